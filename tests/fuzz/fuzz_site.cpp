// libFuzzer target for the whole request path: parse, normalise, host and port rules, lookup
// in a capsule built by the real pure build (capsule::build_capsule) from an in-memory
// SourceTree full of look-alike names. This file keeps its own table from normalised path to
// the response each resource must get, written from the tree, not read from the capsule.
// Invariants, for every line and for local ports 1965 and 1966:
// - every answer is one well-formed header line, and only 20 carries a body;
// - the answer is what the rules say (parse_request decides how the line normalises): its
//   rejection as it is, 53 for another scheme, host or port, 20 when the normalised path is
//   in the table, 31 to PATH/ when it names a directory without the slash, else 51 "Not
//   found";
// - a 20 is exactly the response the capsule built for the resource that path names (the
//   same prebuilt bytes), and its header and body are the table's: a directory's is its
//   index.gmi, /atom.xml is the feed for the host asked, well-formed XML;
// - and, checked once at start, every path in the table asked for on every served host and
//   port, in several spellings, is 20 with its body: nothing that should be served is refused.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "capsule/build.hpp"
#include "gemini/request.hpp"
#include "gemini/status.hpp"
#include "percent_encoding.hpp"
#include "site/site.hpp"
#include "xml_reader.hpp"

namespace {

using kapsel::gemini::Status;
using kapsel::fuzz::percent_encode_all;
using kapsel::fuzz::percent_encode_path;

// Aborts, naming the line, when an invariant does not hold (__builtin_LINE: clang 14 has no
// std::source_location yet, and fuzz targets are built with clang only).
void check(bool condition, unsigned line = __builtin_LINE()) {
    if (condition) return;
    std::fprintf(stderr, "fuzz_site.cpp:%u: invariant broken\n", line);
    std::abort();
}

const std::vector<std::string> hostnames{"localhost", "example.org", "b\xC3\xBC" "cher.example", "::1"};
constexpr std::uint16_t public_port = 443;

constexpr std::string_view gemtext_sv = "text/gemini; charset=utf-8; lang=sv";
constexpr std::string_view gemtext_en = "text/gemini; charset=utf-8; lang=en";
constexpr std::string_view plain_text = "text/plain; charset=utf-8";

struct File {
    std::string rel_dir;  // as in capsule::SourceFile
    std::string name;
    std::string bytes;
};

// The capsule's files. No dot-files: the tree reader never yields them.
const std::vector<File> files = {
    {"", "index.gmi", "# Hem\n"},
    {"", "a.gmi", "a\n"},
    {"", "a.gmi.txt", "a as plain text\n"},
    {"", "A.gmi", "A, upper case\n"},
    {"", "C.GMI", "C, upper-case extension\n"},
    {"", "dir.gmi", "dir as a file\n"},
    {"", "%2e.gmi", "a name with a percent sign\n"},
    {"", "a b.gmi", "a space\n"},
    {"", "\xC3\xA5.gmi", "a ring\n"},
    {"", "a..x.gmi", "two dots inside\n"},
    {"", "x..", "two dots at the end, no extension"},
    {"", "~tilde.gmi", "tilde\n"},
    {"", "q?.gmi", "a question mark\n"},
    {"", "h#.gmi", "a hash\n"},
    {"", "semi;colon=@.gmi", "sub-delims\n"},
    {"", "img.png", std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16)},
    {"dir", "index.gmi", "# Dir\n"},
    {"dir", "b.gmi", "b in dir\n"},
    {"dir/sub", "d.gmi", "d in dir/sub\n"},
    {"dir2", "b.gmi", "b in dir2, which has no index\n"},
    {"~user", "index.gmi", "tilde user\n"},
    {"a b", "c.gmi", "c in a directory with a space\n"},
    {"artiklar", "inl\xC3\xA4gg.gmi",
     "+++\ntitle = \"Ett inl\xC3\xA4gg\"\nslug = \"inlagg\"\npublished = 2023-03-20\nlang = \"en\"\n+++\nBody text.\n"},
    {"artiklar", "plain.txt", "plain text without front matter\n"},
};
const std::vector<std::string> directories = {"/a b", "/artiklar", "/dir", "/dir/sub", "/dir2", "/~user"};

struct Expected {
    std::string_view mime;
    std::string body;
};

// Normalised path → what it is served as, on every host; written from the files above.
const std::map<std::string, Expected>& table() {
    static const std::map<std::string, Expected> t = [] {
        std::map<std::string, Expected> m{
            {"/", {gemtext_sv, "# Hem\n"}},
            {"/index.gmi", {gemtext_sv, "# Hem\n"}},
            {"/a.gmi", {gemtext_sv, "a\n"}},
            {"/a.gmi.txt", {plain_text, "a as plain text\n"}},
            {"/A.gmi", {gemtext_sv, "A, upper case\n"}},
            {"/C.GMI", {gemtext_sv, "C, upper-case extension\n"}},
            {"/dir.gmi", {gemtext_sv, "dir as a file\n"}},
            {"/%2e.gmi", {gemtext_sv, "a name with a percent sign\n"}},
            {"/a b.gmi", {gemtext_sv, "a space\n"}},
            {"/\xC3\xA5.gmi", {gemtext_sv, "a ring\n"}},
            {"/a..x.gmi", {gemtext_sv, "two dots inside\n"}},
            {"/x..", {"application/octet-stream", "two dots at the end, no extension"}},
            {"/~tilde.gmi", {gemtext_sv, "tilde\n"}},
            {"/q?.gmi", {gemtext_sv, "a question mark\n"}},
            {"/h#.gmi", {gemtext_sv, "a hash\n"}},
            {"/semi;colon=@.gmi", {gemtext_sv, "sub-delims\n"}},
            {"/img.png", {"image/png", std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16)}},
            {"/dir/", {gemtext_sv, "# Dir\n"}},
            {"/dir/index.gmi", {gemtext_sv, "# Dir\n"}},
            {"/dir/b.gmi", {gemtext_sv, "b in dir\n"}},
            {"/dir/sub/d.gmi", {gemtext_sv, "d in dir/sub\n"}},
            {"/dir2/b.gmi", {gemtext_sv, "b in dir2, which has no index\n"}},
            {"/~user/", {gemtext_sv, "tilde user\n"}},
            {"/~user/index.gmi", {gemtext_sv, "tilde user\n"}},
            {"/a b/c.gmi", {gemtext_sv, "c in a directory with a space\n"}},
            // A document with front matter: served under its slug, in its own language, as
            // written after the front matter; not under its file name.
            {"/artiklar/inlagg.gmi", {gemtext_en, "Body text.\n"}},
            {"/artiklar/plain.txt", {plain_text, "plain text without front matter\n"}},
        };
        return m;
    }();
    return t;
}

// The host as a URL writes it.
std::string url_host(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

struct Fixture {
    std::shared_ptr<const kapsel::capsule::Capsule> capsule;
    kapsel::site::Site site;
};

std::shared_ptr<const kapsel::capsule::Capsule> build() {
    kapsel::capsule::SourceTree tree;
    tree.root_display = "capsule";
    tree.directories = directories;
    for (const File& f : files) {
        const std::string display = "capsule/" + (f.rel_dir.empty() ? "" : f.rel_dir + "/") + f.name;
        tree.files.push_back(std::make_shared<const kapsel::capsule::SourceFile>(
            kapsel::capsule::SourceFile{f.rel_dir, f.name, display, f.bytes, {}}));
    }
    kapsel::capsule::BuildSettings settings;
    settings.lang = "sv";
    settings.feed.title = "Fuzz";
    settings.feed.authority = "example.org,2023";
    settings.feed.paths = {"artiklar"};
    settings.hostnames = hostnames;
    settings.public_port = public_port;
    settings.settings_file = "/fuzz/server.toml";
    return kapsel::capsule::build_capsule(tree, {{"png", "image/png"}}, settings);
}

const Fixture& fixture();

// The header line, without CRLF, when `bytes` starts with a well-formed one.
std::string_view header_line(std::string_view bytes) {
    const auto end = bytes.find("\r\n");
    check(end != std::string_view::npos && end >= 3 && end - 3 <= kapsel::gemini::max_meta_bytes);
    check(bytes[0] >= '1' && bytes[0] <= '6' && bytes[1] >= '0' && bytes[1] <= '9' && bytes[2] == ' ');
    for (std::size_t i = 0; i < end; ++i) check(static_cast<unsigned char>(bytes[i]) >= 0x20 && bytes[i] != 0x7f);
    return bytes.substr(0, end);
}

// A 20 for `path` on `host`: the capsule's own response for it, and the table's bytes.
void check_success(const kapsel::site::Reply& reply, const std::string& host, const std::string& path) {
    check(reply.status == Status::success);
    const auto* prebuilt = fixture().capsule->find(host, path);
    check(prebuilt != nullptr && reply.bytes.data() == prebuilt->bytes.data() &&
          reply.bytes.size() == prebuilt->bytes.size());
    const std::string_view header = header_line(reply.bytes);
    const std::string_view body = reply.bytes.substr(header.size() + 2);
    if (path == "/atom.xml") {
        // Generated per host: the feed of this host, with its own URL and the one entry.
        check(header == "20 application/atom+xml");
        const std::string self = "href=\"gemini://" + url_host(host) + ":443/atom.xml\"";
        check(body.find(self) != std::string_view::npos);
        check(body.find("<id>tag:example.org,2023:inlagg</id>") != std::string_view::npos);
        check(kapsel::fuzz::read_xml(body).has_value());
        return;
    }
    const auto it = table().find(path);
    check(it != table().end());
    check(header == "20 " + std::string(it->second.mime));
    check(body == it->second.body);
}

bool served_port(std::optional<std::uint16_t> port, std::uint16_t local_port) {
    return !port || *port == 1965 || *port == local_port || *port == public_port;
}

bool is_directory(const std::string& path) {
    return std::find(directories.begin(), directories.end(), path) != directories.end();
}

// The whole answer to `line` on `local_port`, against the rules.
void check_reply(std::string_view line, std::uint16_t local_port) {
    const auto reply = fixture().site.respond(line, local_port);
    const std::string_view header = header_line(reply.bytes);
    check(header[0] == static_cast<char>('0' + static_cast<int>(reply.status) / 10) &&
          header[1] == static_cast<char>('0' + static_cast<int>(reply.status) % 10));
    if (reply.status != Status::success) check(header.size() + 2 == reply.bytes.size());  // no body

    const auto parsed = kapsel::gemini::parse_request(line);
    if (const auto* rejection = std::get_if<kapsel::gemini::Rejection>(&parsed)) {
        check(reply.status == rejection->status);
        check(reply.bytes == kapsel::gemini::response_header(rejection->status, rejection->meta));
        return;
    }
    const auto& request = std::get<kapsel::gemini::Request>(parsed);
    const bool served = request.scheme == "gemini" &&
                        std::find(hostnames.begin(), hostnames.end(), request.host) != hostnames.end() &&
                        served_port(request.port, local_port);
    if (!served) {
        check(reply.status == Status::proxy_request_refused);
        return;
    }
    if (request.path == "/atom.xml" || table().contains(request.path)) {
        check_success(reply, request.host, request.path);
    } else if (request.path.back() != '/' && is_directory(request.path)) {
        check(reply.status == Status::redirect_permanent);
        std::string target = percent_encode_path(request.path) + "/";
        if (request.query) target += "?" + *request.query;
        check(header == "31 " + target);
    } else {
        check(reply.status == Status::not_found);
        check(header == "51 Not found");
    }
}

// Every path of the table (and /atom.xml) on every served host and port, spelt several ways.
void check_everything_is_served() {
    std::vector<std::string> paths{"/atom.xml"};
    for (const auto& [path, expected] : table()) paths.push_back(path);
    for (const std::string& host : hostnames) {
        std::vector<std::string> host_spellings{url_host(host)};
        if (host.find(':') == std::string::npos) {
            std::string upper = host;
            for (char& c : upper)
                if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            host_spellings.push_back(upper);
            host_spellings.push_back(host + ".");
        }
        for (const std::string& path : paths) {
            const std::vector<std::string> path_spellings{percent_encode_path(path), percent_encode_all(path),
                                                          "/." + percent_encode_path(path),
                                                          "/x/%2E%2e" + percent_encode_path(path)};
            for (const std::string& h : host_spellings)
                for (const char* port : {"", ":", ":1965", ":443", ":1966"})
                    for (const std::string& p : path_spellings)
                        for (const char* query : {"", "?", "?q=%20"}) {
                            const std::string line = "gemini://" + h + port + p + query;
                            const std::uint16_t local_port = std::string_view(port) == ":1966" ? 1966 : 1965;
                            const auto reply = fixture().site.respond(line, local_port);
                            if (reply.status != Status::success) {
                                std::fprintf(stderr, "refused: %s\n", line.c_str());
                                check(false);
                            }
                            check_success(reply, host, path);
                        }
        }
    }
}

const Fixture& fixture() {
    static const Fixture instance = [] {
        auto capsule = build();
        return Fixture{capsule, kapsel::site::Site({kapsel::site::HostSite{hostnames, capsule, {}, {}}}, public_port)};
    }();
    return instance;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    check_everything_is_served();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    check_reply(line, 1965);
    check_reply(line, 1966);
    return 0;
}
