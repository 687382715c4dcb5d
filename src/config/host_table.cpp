// [[host]]: one capsule, its names, certificate, feed, zones, rules, mirror and uploads.

#include <set>

#include "config/table_reader.hpp"

namespace kapsel::config {

void read_lang(TableReader& r, std::string& lang);  // capsule_table.cpp

void read_host_table(TableReader& r, HostSettings& h, const std::filesystem::path& base) {
    for (const char* required : {"names", "root"})
        if (!r.get(required))
            r.fail(r.node(), "[[host]] needs " + std::string(required) +
                                 (required == std::string("names") ? " = [\"example.org\", ...]" : " = \"DIRECTORY\""));
    std::set<std::string> seen;
    r.read_strings("names", h.names, [&](std::string& v) {
        v = normalise_hostname(v);
        if (!seen.insert(v).second) throw std::invalid_argument("'" + v + "' is listed twice");
    });
    if (h.names.empty()) r.fail_at("names", r.qualified("names") + " must name at least one host");
    r.read_path("root", h.root, base);
    read_lang(r, h.lang);
    // Each host's own pair by default, named after its canonical name.
    h.certificate = base / "certs" / h.names.front() / "cert.pem";
    h.key = base / "certs" / h.names.front() / "key.pem";
    r.read_path("certificate", h.certificate, base);
    r.read_path("key", h.key, base);
    read_table(r, "feed", [&](TableReader& f) { read_feed_table(f, h.feed); });
    read_zone_tables(r, h.zones);
    read_rule_tables(r, h.redirects, h.gone);
    read_web_table(r, h.web, h.root, base);
    read_titan_table(r, h.titan, h.root, base);
}

}  // namespace kapsel::config
