// [tls]: session tickets; the single host's certificate and key.

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
}

}  // namespace kapsel::config
