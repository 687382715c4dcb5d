#include "syndication/url_path.hpp"

namespace kapsel::syndication {

std::string encode_path(std::string_view path) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(path.size());
    for (const char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        const bool allowed = unreserved || c == '/' || c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' ||
                             c == ')' || c == '*' || c == '+' || c == ',' || c == ';' || c == '=' || c == ':' ||
                             c == '@';
        if (allowed) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

std::string base_url(std::string_view host, std::optional<std::uint16_t> public_port) {
    std::string out = "gemini://";
    if (host.find(':') != std::string_view::npos && !host.starts_with('[')) {
        out += '[';
        out += host;
        out += ']';
    } else {
        out += host;
    }
    if (public_port && *public_port != 1965) out += ":" + std::to_string(*public_port);
    out += '/';
    return out;
}

std::string absolute_url(std::string_view base, std::string_view path) {
    std::string out(base);
    if (!out.empty() && out.back() == '/' && path.starts_with('/')) out.pop_back();
    out += encode_path(path);
    return out;
}

}  // namespace kapsel::syndication
