// [[zone]] / [[host.zone]]: paths that need a client certificate, and which ones.

#include "config/table_reader.hpp"
#include "gemini/uri.hpp"
#include "text/ascii.hpp"

namespace kapsel::config {

std::string normalise_fingerprint(std::string_view text) {
    std::string hex;
    for (const char c : text) {
        if (c == ':') continue;
        if (text::hex_value(c) < 0)
            throw std::invalid_argument("'" + std::string(text) + "' is not a SHA-256 fingerprint (64 hex digits)");
        hex.push_back(static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c));
    }
    if (hex.size() != 64)
        throw std::invalid_argument("'" + std::string(text) + "' is not a SHA-256 fingerprint (64 hex digits)");
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        if (i) out += ':';
        out += hex.substr(i, 2);
    }
    return out;
}

void read_zone_tables(TableReader& parent, std::vector<ZoneSettings>& out) {
    const auto tables = parent.tables("zone");
    for (std::size_t i = 0; i < tables.size(); ++i) {
        TableReader r(*tables[i], parent.qualified("zone") + "[" + std::to_string(i) + "]", parent.config());
        ZoneSettings zone;
        if (!r.get("path")) r.fail(r.node(), "[[zone]] needs path = \"/privat/\"");
        r.read("path", zone.path);
        // The zone is the path and everything below it, compared with requests' decoded,
        // normalised paths: written the same way (absolute, no dot segments or escapes).
        const auto normal = zone.path.starts_with('/') ? gemini::remove_dot_segments(zone.path) : std::nullopt;
        if (!normal || *normal != zone.path || zone.path.find('%') != std::string::npos ||
            zone.path.find("//") != std::string::npos)
            r.fail_at("path", r.qualified("path") + " must be an absolute path such as \"/privat/\" (no '..', escapes "
                                                    "or empty segments)");
        zone.path = *normal;
        while (zone.path.size() > 1 && zone.path.back() == '/') zone.path.pop_back();
        r.read_strings("allow", zone.allow, [](std::string& v) { v = normalise_fingerprint(v); });
        r.reject_unknown();
        out.push_back(std::move(zone));
    }
}

}  // namespace kapsel::config
