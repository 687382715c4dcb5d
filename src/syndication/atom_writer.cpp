#include "syndication/atom_writer.hpp"

#include "gemini/uri.hpp"
#include "syndication/xml_text.hpp"
#include "version.hpp"

namespace kapsel::syndication {
namespace {

void element(std::string& out, std::string_view indent, std::string_view name, std::string_view text) {
    out += indent;
    out += '<';
    out += name;
    out += '>';
    out += xml_escape(text);
    out += "</";
    out += name;
    out += ">\n";
}

void link(std::string& out, std::string_view indent, std::string_view rel, std::string_view type,
          std::string_view href) {
    out += indent;
    out += "<link rel=\"" + xml_attribute(rel) + "\" type=\"" + xml_attribute(type) + "\" href=\"" +
           xml_attribute(href) + "\"/>\n";
}

void author(std::string& out, std::string_view indent, std::string_view name) {
    out += indent;
    out += "<author>\n";
    element(out, std::string(indent) + "  ", "name", name);
    out += indent;
    out += "</author>\n";
}

}  // namespace

std::string tag_uri(std::string_view authority, std::string_view specific) {
    return "tag:" + std::string(authority) + ":" + std::string(specific);
}

std::string write_atom(const FeedInfo& feed, std::vector<Entry> entries) {
    sort_newest_first(entries);
    if (entries.size() > feed.max_entries) entries.resize(feed.max_entries);

    std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    out += "<feed xmlns=\"http://www.w3.org/2005/Atom\"";
    if (!feed.lang.empty()) out += " xml:lang=\"" + xml_attribute(feed.lang) + "\"";
    out += ">\n";
    element(out, "  ", "id", tag_uri(feed.authority, "feed"));
    element(out, "  ", "title", feed.title);
    if (!feed.subtitle.empty()) element(out, "  ", "subtitle", feed.subtitle);
    element(out, "  ", "updated", entries.empty() ? "1970-01-01T00:00:00Z" : to_rfc3339(entries.front().updated));
    author(out, "  ", feed.author.empty() ? feed.title : feed.author);
    link(out, "  ", "self", "application/atom+xml", gemini::absolute_url(feed.base_url, feed.self_path));
    link(out, "  ", "alternate", "text/gemini", gemini::absolute_url(feed.base_url, feed.index_path));
    out += "  <generator version=\"" + xml_attribute(kapsel::version) + "\">kapsel</generator>\n";

    for (const Entry& e : entries) {
        out += "  <entry";
        if (!e.lang.empty() && e.lang != feed.lang) out += " xml:lang=\"" + xml_attribute(e.lang) + "\"";
        out += ">\n";
        element(out, "    ", "id", tag_uri(feed.authority, e.slug));
        element(out, "    ", "title", e.title);
        element(out, "    ", "published", to_rfc3339(e.published));
        element(out, "    ", "updated", to_rfc3339(e.updated));
        for (const Author& a : e.authors) author(out, "    ", a.name);
        element(out, "    ", "summary", e.summary);
        out += "    <content type=\"text\">" + xml_escape(e.content) + "</content>\n";
        link(out, "    ", "alternate", "text/gemini", gemini::absolute_url(feed.base_url, e.path));
        out += "  </entry>\n";
    }
    out += "</feed>\n";
    return out;
}

}  // namespace kapsel::syndication
