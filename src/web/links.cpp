#include "web/links.hpp"

#include "gemini/uri.hpp"
#include "text/ascii.hpp"

namespace kapsel::web {
namespace {

// A URI reference split into its RFC 3986 §3 components, each as written.
struct Reference {
    std::string_view scheme;
    bool has_authority = false;
    std::string_view authority;
    std::string_view path;
    bool has_query = false;
    std::string_view query;
    bool has_fragment = false;
    std::string_view fragment;
};

Reference split_reference(std::string_view s) {
    Reference r;
    if (const auto hash = s.find('#'); hash != std::string_view::npos) {
        r.has_fragment = true;
        r.fragment = s.substr(hash + 1);
        s = s.substr(0, hash);
    }
    if (const auto question = s.find('?'); question != std::string_view::npos) {
        r.has_query = true;
        r.query = s.substr(question + 1);
        s = s.substr(0, question);
    }
    // A scheme cannot hold '/', so a ':' after the first '/' belongs to the path.
    if (const auto colon = s.find(':'); colon != std::string_view::npos && gemini::is_valid_scheme(s.substr(0, colon))) {
        r.scheme = s.substr(0, colon);
        s = s.substr(colon + 1);
    }
    if (s.starts_with("//")) {
        const auto slash = s.find('/', 2);
        r.has_authority = true;
        r.authority = s.substr(2, slash == std::string_view::npos ? std::string_view::npos : slash - 2);
        s = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
    }
    r.path = s;
    return r;
}

std::string_view without_trailing_dot(std::string_view host) {
    if (host.ends_with('.')) host.remove_suffix(1);
    return host;
}

// True when `authority` is host[:port] with one of `own_hosts`; userinfo never is (Gemini
// forbids it, so such a URL cannot be one of ours).
bool is_own_authority(std::string_view authority, const std::vector<std::string>& own_hosts) {
    if (authority.find('@') != std::string_view::npos) return false;
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return false;
        host = authority.substr(1, close - 1);
        const std::string_view rest = authority.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':')) return false;
        port = rest.empty() ? rest : rest.substr(1);
    } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    for (const char c : port)
        if (!text::is_digit(c)) return false;
    host = without_trailing_dot(host);
    if (host.empty()) return false;
    for (std::string_view own : own_hosts) {
        if (own.starts_with('[') && own.ends_with(']')) own = own.substr(1, own.size() - 2);
        if (text::equals_ignoring_case(host, without_trailing_dot(own))) return true;
    }
    return false;
}

// `s` as a valid URI component: existing %XX escapes and the characters `allowed` accepts
// stay; every other byte (space, UTF-8, '\', a lone '%', ...) becomes %XX.
template <typename Allowed>
std::string encode_component(std::string_view s, Allowed allowed) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool escape = c == '%' && i + 2 < s.size() && text::hex_value(s[i + 1]) >= 0 &&
                            text::hex_value(s[i + 2]) >= 0;
        if (escape || (c != '%' && allowed(c))) {
            out.push_back(c);
        } else {
            out.push_back('%');
            text::append_hex(out, static_cast<unsigned char>(c));
        }
    }
    return out;
}

bool is_pchar(char c) { return gemini::is_unreserved(c) || gemini::is_sub_delim(c) || c == ':' || c == '@'; }
bool is_path_char(char c) { return is_pchar(c) || c == '/'; }
bool is_query_char(char c) { return is_pchar(c) || c == '/' || c == '?'; }

// RFC 3986 §5.2.4 for an encoded absolute path, with a ".." at the root staying there
// (gemini::remove_dot_segments refuses it instead, which is right for requests). One
// implementation of the segment rules: the path is put below as many placeholder segments
// as it has ".." segments, so it can never climb past them, and the placeholders left over
// are dropped. The placeholder is a single space, which an encoded path cannot contain.
std::string remove_dot_segments_at_root(const std::string& path) {
    std::size_t climbs = 0;
    for (std::size_t start = 0; start <= path.size();) {
        auto end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        if (path.compare(start, end - start, "..") == 0) ++climbs;
        start = end + 1;
    }
    std::string below;
    for (std::size_t i = 0; i < climbs; ++i) below += "/ ";
    std::string out = *gemini::remove_dot_segments(below + path);
    std::size_t drop = 0;
    while (out.compare(drop, 2, "/ ") == 0 && (drop + 2 == out.size() || out[drop + 2] == '/')) drop += 2;
    out.erase(0, drop);
    return out.empty() ? "/" : out;
}

}  // namespace

std::string mirror_href(std::string_view target, std::string_view page_path, const std::vector<std::string>& own_hosts,
                        std::string_view base_path) {
    const Reference ref = split_reference(target);
    const bool gemini_scheme = text::equals_ignoring_case(ref.scheme, "gemini");
    if (!ref.scheme.empty() && !gemini_scheme) return std::string(target);
    if (gemini_scheme && !ref.has_authority) return std::string(target);  // "gemini:x": not a URL we serve
    if (ref.has_authority && !is_own_authority(ref.authority, own_hosts)) {
        return ref.scheme.empty() ? "gemini:" + std::string(target) : std::string(target);
    }

    // RFC 3986 §5.2.2 against the page, which has no query.
    std::string path = gemini::decode_percent_dots(encode_component(ref.path, is_path_char));
    if (!ref.has_authority && !path.starts_with('/')) {
        std::string base = gemini::encode_path(page_path);
        if (!base.starts_with('/')) base.insert(0, 1, '/');
        if (path.empty()) {
            path = base;
        } else {
            base.erase(base.rfind('/') + 1);  // §5.2.3: the page's directory
            path = base + path;
        }
    }
    if (path.empty()) path = "/";  // "gemini://host" is "gemini://host/"
    path = gemini::mirror_page_path(remove_dot_segments_at_root(path));

    std::string out(base_path);
    if (!out.starts_with('/')) out.insert(0, 1, '/');
    if (out.ends_with('/')) out.pop_back();
    out += path;
    // A path starting with "//" would read as a host; RFC 3986 §5.3's "/." keeps it a path.
    if (out.starts_with("//")) out.insert(0, "/.");
    if (ref.has_query) {
        out += '?';
        out += encode_component(ref.query, is_query_char);
    }
    if (ref.has_fragment) {
        out += '#';
        out += encode_component(ref.fragment, is_query_char);
    }
    return out;
}

}  // namespace kapsel::web
