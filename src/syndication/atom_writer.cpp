#include "syndication/atom_writer.hpp"

#include <cstdio>
#include <map>

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
    append_xml_escaped(out, text);
    out += "</";
    out += name;
    out += ">\n";
}

void link(std::string& out, std::string_view indent, std::string_view rel, std::string_view type,
          std::string_view href) {
    out += indent;
    out += "<link rel=\"";
    append_xml_attribute(out, rel);
    out += "\" type=\"";
    append_xml_attribute(out, type);
    out += "\" href=\"";
    append_xml_attribute(out, href);
    out += "\"/>\n";
}

void author(std::string& out, std::string_view indent, std::string_view name) {
    out += indent;
    out += "<author>\n";
    out += indent;
    element(out, "  ", "name", name);
    out += indent;
    out += "</author>\n";
}

// The document's head: everything before the first <entry>.
std::string document_head(const FeedInfo& feed, const DateTime* updated) {
    const bool history = feed.is_archive || !feed.prev_archive.empty() || !feed.next_archive.empty();
    // Feed documents link to themselves and to their neighbours in the place they are read.
    const std::string& own_base = feed.in_mirror ? feed.mirror_url : feed.base_url;

    std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    out += "<feed xmlns=\"http://www.w3.org/2005/Atom\"";
    if (history) out += " xmlns:fh=\"http://purl.org/syndication/history/1.0\"";
    if (!feed.lang.empty()) out += " xml:lang=\"" + xml_attribute(feed.lang) + "\"";
    out += ">\n";
    // One logical feed (RFC 5005): the subscription and every archive document share its id.
    element(out, "  ", "id", tag_uri(feed.authority, "feed"));
    element(out, "  ", "title", feed.title);
    if (!feed.subtitle.empty()) element(out, "  ", "subtitle", feed.subtitle);
    element(out, "  ", "updated", updated ? to_rfc3339(*updated) : "1970-01-01T00:00:00Z");
    author(out, "  ", feed.author.empty() ? feed.title : feed.author);
    link(out, "  ", "self", "application/atom+xml", gemini::absolute_url(own_base, feed.self_path));
    link(out, "  ", "alternate", "text/gemini", gemini::absolute_url(feed.base_url, feed.index_path));
    if (!feed.mirror_url.empty())
        link(out, "  ", "alternate", "text/html", gemini::absolute_url(feed.mirror_url, gemini::mirror_page_path(feed.index_path)));
    if (feed.is_archive) {
        out += "  <fh:archive/>\n";
        link(out, "  ", "current", "application/atom+xml", gemini::absolute_url(own_base, "/atom.xml"));
    }
    if (!feed.prev_archive.empty())
        link(out, "  ", "prev-archive", "application/atom+xml", gemini::absolute_url(own_base, feed.prev_archive));
    if (!feed.next_archive.empty())
        link(out, "  ", "next-archive", "application/atom+xml", gemini::absolute_url(own_base, feed.next_archive));
    out += "  <generator version=\"" + xml_attribute(kapsel::version) + "\">kapsel</generator>\n";
    return out;
}

std::string write_entries(const FeedInfo& feed, const std::vector<Entry>& entries) {
    std::vector<std::string> written;
    written.reserve(entries.size());
    for (const Entry& e : entries) written.push_back(write_entry(feed, e));
    std::vector<const std::string*> pointers;
    for (const auto& w : written) pointers.push_back(&w);
    std::string out;
    append_document(out, document_head(feed, entries.empty() ? nullptr : &entries.front().updated), pointers);
    return out;
}

}  // namespace

std::string write_entry(const FeedInfo& feed, const Entry& e) {
    std::string out;
    out.reserve(e.content.size() + e.summary.size() + 1024);
    out += "  <entry";
    if (!e.lang.empty() && e.lang != feed.lang) out += " xml:lang=\"" + xml_attribute(e.lang) + "\"";
    out += ">\n";
    element(out, "    ", "id", tag_uri(feed.authority, e.id.empty() ? e.slug : e.id));
    element(out, "    ", "title", e.title);
    element(out, "    ", "published", to_rfc3339(e.published));
    element(out, "    ", "updated", to_rfc3339(e.updated));
    for (const Author& a : e.authors) author(out, "    ", a.name);
    element(out, "    ", "summary", e.summary);
    out += "    <content type=\"text\">";
    append_xml_escaped(out, e.content);
    out += "</content>\n";
    link(out, "    ", "alternate", "text/gemini", gemini::absolute_url(feed.base_url, e.path));
    if (!feed.mirror_url.empty())
        link(out, "    ", "alternate", "text/html", gemini::absolute_url(feed.mirror_url, gemini::mirror_page_path(e.path)));
    out += "  </entry>\n";
    return out;
}

std::string write_document_head(const FeedInfo& feed, const DateTime* updated) { return document_head(feed, updated); }

std::string archive_month(const Entry& entry) {
    // The month in UTC: an article published 2023-04-01T00:30+02:00 is March's.
    const DateTime utc = to_utc(entry.published);
    char month[16];
    std::snprintf(month, sizeof month, "%04d-%02d", utc.year, utc.month);
    return month;
}

std::string tag_uri(std::string_view authority, std::string_view specific) {
    return "tag:" + std::string(authority) + ":" + std::string(specific);
}

std::string write_atom(const FeedInfo& feed, std::vector<Entry> entries) {
    sort_newest_first(entries);
    if (entries.size() > feed.max_entries) entries.resize(feed.max_entries);
    return write_entries(feed, entries);
}

std::string write_archive(const FeedInfo& feed, std::vector<Entry> entries) {
    sort_newest_first(entries);
    FeedInfo archive = feed;
    archive.is_archive = true;
    return write_entries(archive, entries);
}

std::vector<ArchiveMonth> archive_months(std::vector<Entry> entries) {
    std::map<std::string, std::vector<Entry>, std::greater<>> by_month;
    for (Entry& e : entries) by_month[archive_month(e)].push_back(std::move(e));
    std::vector<ArchiveMonth> out;
    for (auto& [month, list] : by_month) {
        sort_newest_first(list);
        out.push_back({month, std::move(list)});
    }
    return out;
}

std::string archive_path(std::string_view month) { return "/atom/" + std::string(month) + ".xml"; }

}  // namespace kapsel::syndication
