// [[redirect]] and [[gone]]: paths that are no page, and what they answer.

#include "config/table_reader.hpp"
#include <variant>

#include "gemini/request.hpp"
#include "gemini/uri.hpp"

namespace kapsel::config {
namespace {

// A rule's path: absolute, already normalised (no dot segments, escapes or empty segments),
// as a request's decoded path is; a final "/" makes it a prefix.
void check_rule_path(TableReader& r, std::string_view key, const std::string& path) {
    const auto normal = path.starts_with('/') ? gemini::remove_dot_segments(path) : std::nullopt;
    if (!normal || *normal != path || path.find('%') != std::string::npos || path.find("//") != std::string::npos)
        r.fail_at(key, r.qualified(key) + " must be an absolute path such as \"/gammalt/\" or \"/a.gmi\" (no '..', "
                                          "escapes or empty segments)");
}

Position position_of(TableReader& r) {
    const auto& b = r.node().source().begin;
    return {static_cast<int>(b.line), static_cast<int>(b.column)};
}

}  // namespace

void read_rule_tables(TableReader& parent, std::vector<RedirectRule>& redirects, std::vector<GoneRule>& gone) {
    const auto rtables = parent.tables("redirect");
    for (std::size_t i = 0; i < rtables.size(); ++i) {
        TableReader r(*rtables[i], parent.qualified("redirect") + "[" + std::to_string(i) + "]", parent.config());
        RedirectRule rule;
        rule.where = position_of(r);
        for (const char* key : {"from", "to"})
            if (!r.get(key)) r.fail(r.node(), "[[redirect]] needs " + std::string(key));
        r.read("from", rule.from);
        r.read("to", rule.to);
        r.read("permanent", rule.permanent);
        check_rule_path(r, "from", rule.from);
        if (rule.to.starts_with("gemini://")) {
            if (std::holds_alternative<gemini::Rejection>(gemini::parse_request(rule.to)))
                r.fail_at("to", r.qualified("to") + " is not a gemini:// URL a client could request");
        } else {
            check_rule_path(r, "to", rule.to);
        }
        if (rule.from.ends_with('/') && !rule.to.ends_with('/'))
            r.fail_at("to", r.qualified("to") + " must end in \"/\" like its from: a prefix moves to a prefix");
        r.reject_unknown();
        redirects.push_back(std::move(rule));
    }
    const auto gtables = parent.tables("gone");
    for (std::size_t i = 0; i < gtables.size(); ++i) {
        TableReader r(*gtables[i], parent.qualified("gone") + "[" + std::to_string(i) + "]", parent.config());
        GoneRule rule;
        rule.where = position_of(r);
        if (!r.get("path")) r.fail(r.node(), "[[gone]] needs path");
        r.read("path", rule.path);
        check_rule_path(r, "path", rule.path);
        r.reject_unknown();
        gone.push_back(std::move(rule));
    }
}

}  // namespace kapsel::config
