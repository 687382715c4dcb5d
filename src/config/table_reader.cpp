#include "config/table_reader.hpp"

#include <cmath>
#include <sstream>

namespace kapsel::config {

TableReader::TableReader(const toml::table& table, std::string name, Config& config)
    : table_(table), name_(std::move(name)), config_(config) {}

void TableReader::fail(const toml::node& node, const std::string& message) const {
    const auto& src = node.source();
    throw ConfigError(config_.file.string(), static_cast<int>(src.begin.line), static_cast<int>(src.begin.column),
                      message);
}

std::string TableReader::qualified(std::string_view key) const {
    return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
}

const toml::node* TableReader::get(std::string_view key) {
    known_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n) {
        const auto& begin = n->source().begin;
        config_.positions[qualified(key)] = {static_cast<int>(begin.line), static_cast<int>(begin.column)};
    }
    return n;
}

void TableReader::read(std::string_view key, std::string& out) {
    if (const auto* n = get(key)) {
        const auto* v = n->as_string();
        if (!v) fail(*n, qualified(key) + " must be a string");
        out = v->get();
    }
}

void TableReader::read(std::string_view key, bool& out) {
    if (const auto* n = get(key)) {
        const auto* v = n->as_boolean();
        if (!v) fail(*n, qualified(key) + " must be true or false");
        out = v->get();
    }
}

void TableReader::read_integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) {
    if (const auto* n = get(key)) {
        const auto* v = n->as_integer();
        if (!v) fail(*n, qualified(key) + " must be an integer");
        const std::int64_t x = v->get();
        if (x < min || x > max)
            fail(*n, qualified(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                         ", not " + std::to_string(x));
        out = x;
    }
}

void TableReader::read_number(std::string_view key, double& out, double min, double max) {
    if (const auto* n = get(key)) {
        double x;
        if (const auto* i = n->as_integer()) x = static_cast<double>(i->get());
        else if (const auto* f = n->as_floating_point()) x = f->get();
        else fail(*n, qualified(key) + " must be a number");
        if (!std::isfinite(x) || x < min || x > max) {
            std::ostringstream msg;
            msg << qualified(key) << " must be between " << min << " and " << max << ", not " << x;
            fail(*n, msg.str());
        }
        out = x;
    }
}

void TableReader::read_seconds(std::string_view key, std::chrono::milliseconds& out, double min, double max) {
    double seconds = static_cast<double>(out.count()) / 1000.0;
    read_number(key, seconds, min, max);
    out = std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

void TableReader::read_path(std::string_view key, std::filesystem::path& out, const std::filesystem::path& base) {
    if (const auto* n = get(key)) {
        std::string s;
        read(key, s);
        if (s.empty()) fail(*n, qualified(key) + " must not be empty");
        out = resolve(base, s);
    }
}

void TableReader::read_strings(std::string_view key, std::vector<std::string>& out,
                               const std::function<void(std::string&)>& each) {
    const auto* n = get(key);
    if (!n) return;
    const auto* arr = n->as_array();
    if (!arr) fail(*n, qualified(key) + " must be an array of strings");
    std::vector<std::string> values;
    for (const auto& element : *arr) {
        const auto* s = element.as_string();
        if (!s) fail(element, qualified(key) + " must contain only strings");
        std::string value = s->get();
        if (each) {
            try {
                each(value);
            } catch (const std::invalid_argument& e) {
                fail(element, qualified(key) + ": " + e.what());
            }
        }
        values.push_back(std::move(value));
    }
    out = std::move(values);
}

const toml::table* TableReader::table(std::string_view key) {
    const auto* n = get(key);
    if (!n) return nullptr;
    const auto* t = n->as_table();
    if (!t) fail(*n, "'" + qualified(key) + "' must be a table ([" + qualified(key) + "])");
    return t;
}

std::vector<const toml::table*> TableReader::tables(std::string_view key) {
    std::vector<const toml::table*> out;
    const auto* n = get(key);
    if (!n) return out;
    const auto* arr = n->as_array();
    if (!arr) fail(*n, "'" + qualified(key) + "' must be an array of tables ([[" + qualified(key) + "]])");
    for (const auto& element : *arr) {
        const auto* t = element.as_table();
        if (!t) fail(element, "'" + qualified(key) + "' must be an array of tables ([[" + qualified(key) + "]])");
        out.push_back(t);
    }
    return out;
}

void TableReader::fail_at(std::string_view key, const std::string& message) {
    const auto* n = table_.get(key);
    if (!n) throw config_.error_at(qualified(key), message);
    fail(*n, message);
}

void TableReader::reject_unknown() const {
    for (const auto& [key, node] : table_) {
        if (!known_.contains(key.str())) {
            const auto& src = key.source().begin.line ? key.source() : node.source();
            throw ConfigError(config_.file.string(), static_cast<int>(src.begin.line),
                              static_cast<int>(src.begin.column), "unknown key '" + qualified(key.str()) + "'");
        }
    }
}

void read_table(TableReader& parent, std::string_view key, const std::function<void(TableReader&)>& body) {
    const toml::table* t = parent.table(key);
    if (!t) return;
    TableReader r(*t, parent.qualified(key), parent.config());
    body(r);
    r.reject_unknown();
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::filesystem::path& p) {
    if (p.is_absolute()) return p.lexically_normal();
    return (base / p).lexically_normal();
}

}  // namespace kapsel::config
