// [tls]: session tickets; the single host's certificate and key.

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/table_reader.hpp"

namespace kapsel::config {

void read_tls_table(TableReader& r, TlsSettings& s, HostSettings* single, const std::filesystem::path& base) {
    for (const char* key : {"certificate", "key"}) {
        if (r.get(key) && !single)
            r.fail_at(key, std::string("with [[host]] tables, each host's ") + key + " goes in its own table");
    }
    if (single) {
        r.read_path("certificate", single->certificate, base);
        r.read_path("key", single->key, base);
    }
    if (r.get("ticket_key_file")) {
        std::filesystem::path p;
        r.read_path("ticket_key_file", p, base);
        s.ticket_key_file = p;
    }
    r.read_integer("session_tickets", s.session_tickets, 0, 16);
    // Whether this OpenSSL offers each group is checked where OpenSSL is (preflight).
    std::vector<std::string> seen;
    r.read_strings("groups", s.groups, [&](std::string& name) {
        const bool plain = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        });
        if (!plain) throw std::invalid_argument("\"" + name + "\" is not a key exchange group name (\"X25519\", \"P-256\")");
        if (std::find(seen.begin(), seen.end(), name) != seen.end())
            throw std::invalid_argument("\"" + name + "\" is listed twice");
        seen.push_back(name);
    });
    if (r.get("groups") && s.groups.empty()) r.fail_at("groups", "tls.groups needs at least one group");
}

}  // namespace kapsel::config
