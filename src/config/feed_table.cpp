// [feed]: the Atom feed's title, ids and entries.

#include <algorithm>

#include "config/table_reader.hpp"
#include "gemini/request.hpp"
#include "text/ascii.hpp"

namespace kapsel::config {

void read_feed_table(TableReader& r, FeedSettings& f) {
    r.read("title", f.title);
    r.read("subtitle", f.subtitle);
    r.read("authority", f.authority);
    if (const auto* n = r.get("authority")) {
        // tag: URI authority: "dns-name-or-email,YYYY[-MM[-DD]]" (RFC 4151).
        const auto comma = f.authority.find(',');
        const bool ok = comma != std::string::npos && comma > 0 && comma + 5 <= f.authority.size() &&
                        std::all_of(f.authority.begin() + static_cast<long>(comma) + 1, f.authority.end(),
                                    [](char c) { return text::is_digit(c) || c == '-'; }) &&
                        f.authority.find_first_of(" :/") == std::string::npos;
        if (!ok) r.fail(*n, "feed.authority must be a tag: authority like \"example.org,2023\" (RFC 4151)");
    }
    r.read("author", f.author);
    r.read_strings("paths", f.paths, [](std::string& v) {
        while (!v.empty() && v.front() == '/') v.erase(v.begin());
        while (!v.empty() && v.back() == '/') v.pop_back();
        if (v.empty()) throw std::invalid_argument("a feed path must name a directory");
        if (v.find("..") != std::string::npos) throw std::invalid_argument("'" + v + "' must stay inside the capsule");
    });
    r.read_integer("max_entries", f.max_entries, 1, 100'000);
    r.read_strings("notify", f.notify, [](std::string& v) {
        const auto parsed = gemini::parse_request(v);
        const auto* uri = std::get_if<gemini::Request>(&parsed);
        if (!uri || uri->scheme != "gemini")
            throw std::invalid_argument("'" + v + "' is not a gemini:// URL to send notifications to");
        if (uri->query) throw std::invalid_argument("'" + v + "' has a query: the feed's URL is sent as the query");
    });
}

}  // namespace kapsel::config
