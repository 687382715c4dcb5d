// libFuzzer target for the whole request path: parse, normalise, host/port rules and
// lookup in a capsule. Invariants: every answer is one well-formed header line; a 20 is
// always one of the capsule's own prebuilt responses (nothing outside the capsule can be
// reached); only 20 carries a body.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gemini/status.hpp"
#include "site/site.hpp"

namespace {

using kapsel::gemini::Status;

kapsel::capsule::Response page(std::string body) {
    kapsel::capsule::Response r;
    r.bytes = kapsel::gemini::response_header(Status::success, "text/gemini; charset=utf-8") + body;
    r.header_size = r.bytes.size() - body.size();
    return r;
}

const kapsel::site::Site& site() {
    static const kapsel::site::Site instance = [] {
        auto c = std::make_shared<kapsel::capsule::Capsule>();
        c->add("/", page("root"));
        c->add("/a.gmi", page("a"));
        c->add_directory("/dir");
        c->add("/dir/", page("dir"));
        c->add("/dir/b.gmi", page("b"));
        c->add_for_host("localhost", "/atom.xml", page("feed"));
        return kapsel::site::Site(c, {{"localhost", "example.org"}, 443});
    }();
    return instance;
}

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const auto reply = site().respond(line, 1965);
    const auto bytes = reply.bytes;
    check(bytes.size() >= 5);
    const auto end = bytes.find("\r\n");
    check(end != std::string_view::npos && end >= 3 && end - 3 <= kapsel::gemini::max_meta_bytes);
    check(bytes[0] >= '1' && bytes[0] <= '6' && bytes[1] >= '0' && bytes[1] <= '9' && bytes[2] == ' ');
    for (std::size_t i = 0; i < end; ++i) check(static_cast<unsigned char>(bytes[i]) >= 0x20 && bytes[i] != 0x7f);
    if (reply.status == Status::success) {
        bool prebuilt = false;
        for (const char* path : {"/", "/a.gmi", "/dir/", "/dir/b.gmi", "/atom.xml"}) {
            const auto* r = site().capsule().find("localhost", path);
            if (r && r->bytes.data() == bytes.data()) prebuilt = true;
        }
        check(prebuilt);
    } else {
        check(end + 2 == bytes.size());  // no body
    }
    return 0;
}
