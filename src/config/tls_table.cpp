// [tls]: certificate, key, session tickets.

#include "config/table_reader.hpp"

namespace kapsel::config {

void read_tls_table(TableReader& r, TlsSettings& s, const std::filesystem::path& base) {
    r.read_path("certificate", s.certificate, base);
    r.read_path("key", s.key, base);
    if (r.get("ticket_key_file")) {
        std::filesystem::path p;
        r.read_path("ticket_key_file", p, base);
        s.ticket_key_file = p;
    }
    r.read_integer("session_tickets", s.session_tickets, 0, 16);
}

}  // namespace kapsel::config
