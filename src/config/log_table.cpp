// [log]: diagnostic level and the access log.

#include <set>

#include "config/table_reader.hpp"

namespace kapsel::config {

void read_log_table(TableReader& r, LogSettings& s, const std::filesystem::path& base) {
    r.read("level", s.level);
    if (const auto* n = r.get("level")) {
        static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
        if (!levels.contains(s.level)) r.fail(*n, "log.level must be one of trace, debug, info, warn, error, critical, off");
    }
    std::string access;
    r.read("access_log", access);
    if (const auto* n = r.get("access_log")) {
        using Kind = AccessLogTarget::Kind;
        if (access == "stderr") s.access_log = {Kind::standard_error, {}};
        else if (access == "stdout") s.access_log = {Kind::standard_output, {}};
        else if (access == "off") s.access_log = {Kind::off, {}};
        else if (access.empty()) r.fail(*n, "log.access_log must be \"stderr\", \"stdout\", \"off\" or a file path");
        else s.access_log = {Kind::file, resolve(base, access)};
    }
}

}  // namespace kapsel::config
