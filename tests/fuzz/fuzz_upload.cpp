// libFuzzer target for what an upload becomes (upload/target.hpp, upload/document.hpp).
// The input is "PATH\0BODY\0PREVIOUS" (a missing part is empty; PREVIOUS absent means a new
// document); the first byte of PATH picks plain text (odd) or gemtext.
// Invariants:
// - upload_target: a target lies in one of titan.paths, has a slug for its stem that is not
//   "index", and the path names its page or its plain text; every refusal is 59;
// - prepare_document: a refusal is 59 with a short META, and a "LINE: " it starts with is a line
//   of the body sent; a document it makes reads as the build reads documents
//   (parse_document_file), is served under the target's name when the body brought its own
//   front matter, and holds every line of the body, in order, each where the LineMap says
//   (but an edit's `updated` line, which kapsel rewrites);
//   a new document without front matter is published now, an edit is updated now.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "capsule/build.hpp"
#include "syndication/document_error.hpp"
#include "syndication/front_matter.hpp"
#include "text/lines.hpp"
#include "upload/document.hpp"
#include "upload/target.hpp"

namespace {

using namespace kapsel;

void check(bool condition, int line = __builtin_LINE()) {
    if (condition) return;
    std::fprintf(stderr, "fuzz_upload.cpp:%d: invariant broken\n", line);
    std::abort();
}

const syndication::DateTime now{2026, 12, 1, 10, 20, 30, 0, 0};

config::TitanSettings titan() {
    config::TitanSettings t;
    t.enabled = true;
    t.paths = {"artiklar", "a/b"};
    return t;
}

void check_target(std::string_view path, bool plain) {
    const auto checked = upload::upload_target(titan(), path, plain ? "text/plain" : "text/gemini", path.size() % 3 == 0);
    if (const auto* r = std::get_if<gemini::Rejection>(&checked)) {
        check(r->status == gemini::Status::bad_request && !r->meta.empty());
        return;
    }
    const auto& t = std::get<upload::Target>(checked);
    check(t.rel_dir == "artiklar" || t.rel_dir == "a/b");
    check(!syndication::check_slug(t.stem) && t.stem != "index");
    const std::string dir = "/" + t.rel_dir + "/" + t.stem;
    check(path == dir + ".gmi" || path == dir + ".txt");
    check(t.page_path() == dir + ".gmi");
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    for (const text::Line& l : text::Lines(text)) out.push_back(l.content);
    return out;
}

void check_document(std::string_view body, std::optional<std::string_view> previous, bool plain) {
    const upload::Target target{"artiklar", "ny", plain ? upload::Format::plain_text : upload::Format::gemtext};
    const auto made = upload::prepare_document(body, target, previous, now);
    const auto body_lines = lines_of(body);
    if (const auto* r = std::get_if<gemini::Rejection>(&made)) {
        check(r->status == gemini::Status::bad_request && !r->meta.empty());
        std::size_t digits = 0;
        while (digits < r->meta.size() && r->meta[digits] >= '0' && r->meta[digits] <= '9') ++digits;
        if (digits > 0 && digits < 9 && r->meta.compare(digits, 2, ": ") == 0) {
            const long line = std::strtol(r->meta.substr(0, digits).c_str(), nullptr, 10);
            check(line >= 1 && static_cast<std::size_t>(line) <= body_lines.size() + 1);
        }
        return;
    }
    const auto& p = std::get<upload::Prepared>(made);
    capsule::DocumentFile doc;
    try {
        doc = capsule::parse_document_file(p.bytes, target.stem, plain);
    } catch (const syndication::DocumentError&) {
        check(false);  // what prepare_document accepts, the build accepts
    }
    check(doc.meta.slug == p.slug);
    const bool sent_header = syndication::has_front_matter(body);
    if (sent_header) check(p.slug == target.stem);
    // Every line sent is in the file, in order, where the map says, but an `updated` line kapsel
    // rewrote; nothing else is the upload's.
    const auto file_lines = lines_of(p.bytes);
    std::size_t next = 1;
    int rewritten = 0;
    // The line that held the `updated` key, however TOML lets it be written (indented, quoted).
    const auto holds_updated = [](std::string_view l) {
        l.remove_prefix(std::min(l.find_first_not_of(" \t"), l.size()));
        return l.starts_with("updated") || l.starts_with("\"updated\"") || l.starts_with("'updated'");
    };
    const auto skip_rewritten = [&](std::size_t upto) {
        for (; next < upto; ++next) {
            check(++rewritten == 1 && next <= body_lines.size() && holds_updated(body_lines[next - 1]));
        }
    };
    for (std::size_t f = 1; f <= file_lines.size(); ++f) {
        const auto line = p.lines.upload_line(static_cast<int>(f));
        if (!line) continue;
        skip_rewritten(static_cast<std::size_t>(*line));
        check(static_cast<std::size_t>(*line) == next && next <= body_lines.size());
        check(file_lines[f - 1] == body_lines[next - 1]);
        ++next;
    }
    skip_rewritten(body_lines.size() + 1);
    check(next == body_lines.size() + 1);
    const bool edit = previous && syndication::has_front_matter(*previous);
    if (!sent_header && !edit) check(doc.meta.published == now && !doc.meta.updated);
    if (edit) check(doc.meta.updated && *doc.meta.updated == now);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = input.find('\0');
    const std::string_view path = input.substr(0, first);
    const bool plain = !path.empty() && (static_cast<unsigned char>(path[0]) & 1);
    check_target(path, plain);
    if (first == std::string_view::npos) return 0;
    const std::string_view rest = input.substr(first + 1);
    const auto second = rest.find('\0');
    const std::string_view body = rest.substr(0, second);
    std::optional<std::string_view> previous;
    if (second != std::string_view::npos) previous = rest.substr(second + 1);
    check_document(body, previous, plain);
    return 0;
}
