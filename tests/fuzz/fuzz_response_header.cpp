// libFuzzer target for the response header a client reads (parse_response_header: what
// feed.notify makes of an aggregator's answer) and the one the server writes.
// Invariants:
// - what parses has a status 10–69 and META of at most 1024 bytes of valid UTF-8 without
//   control characters, and is exactly the input: "NN", or "NN " META;
// - written back with response_header it parses to the same status and META;
// - response_header makes, from any META, a line that parses to its status, with META no
//   longer than 1024 bytes.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gemini/status.hpp"
#include "gemini/utf8.hpp"

namespace {

using namespace kapsel::gemini;

void check(bool condition, int line = __builtin_LINE()) {
    if (condition) return;
    std::fprintf(stderr, "fuzz_response_header.cpp:%d: invariant broken\n", line);
    std::abort();
}

std::string_view without_crlf(const std::string& line) {
    check(line.size() >= 2 && line.ends_with("\r\n"));
    return std::string_view(line).substr(0, line.size() - 2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    if (const auto header = parse_response_header(input)) {
        check(header->status >= 10 && header->status <= 69);
        check(header->meta.size() <= max_meta_bytes);
        check(is_valid_utf8(header->meta) && !has_control_character(header->meta));
        const std::string code = std::to_string(header->status);
        check(input == code || input == code + " " + header->meta);
        const auto again = parse_response_header(without_crlf(response_header(static_cast<Status>(header->status),
                                                                                header->meta)));
        check(again && again->status == header->status && again->meta == header->meta);
    }

    // The writer: the first byte picks a status, the rest is META.
    if (!input.empty()) {
        const int status = 10 + static_cast<unsigned char>(input[0]) % 60;
        const auto written = parse_response_header(without_crlf(response_header(static_cast<Status>(status),
                                                                                  input.substr(1))));
        check(written && written->status == status && written->meta.size() <= max_meta_bytes);
    }
    return 0;
}
