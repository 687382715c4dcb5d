#include "web/html.hpp"

#include <stdexcept>

#include "text/language_tag.hpp"
#include "text/lines.hpp"
#include "web/html_text.hpp"

namespace kapsel::web {
namespace {

// Readable on a phone and a desktop alike, in light and dark mode; nothing to fetch.
constexpr std::string_view style =
    ":root{color-scheme:light dark}"
    "body{max-width:40em;margin:0 auto;padding:0 1em 2em;line-height:1.6;"
    "font-family:system-ui,sans-serif;overflow-wrap:break-word}"
    "h1,h2,h3{line-height:1.25}"
    "pre{overflow-x:auto;padding:.5em 0;line-height:1.3}"
    "blockquote{margin:1em 0;padding-left:1em;border-left:.2em solid #888}";

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// One gemtext line outside preformatted mode, as the gemtext specification classifies it.
struct GemtextLine {
    enum class Kind { text, link, heading, list_item, quote, toggle } kind = Kind::text;
    int level = 0;            // headings: 1–3
    std::string_view text;    // trimmed: the text, label, heading, item or alt text
    std::string_view target;  // links: the URL as written
};

GemtextLine classify(std::string_view line) {
    using Kind = GemtextLine::Kind;
    if (line.starts_with("=>")) {
        std::string_view rest = line.substr(2);
        while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
        std::size_t end = 0;
        while (end < rest.size() && !is_space(rest[end])) ++end;
        if (end > 0) return {Kind::link, 0, trim(rest.substr(end)), rest.substr(0, end)};
        return {Kind::text, 0, trim(line), {}};
    }
    if (line.starts_with("```")) return {Kind::toggle, 0, trim(line.substr(3)), {}};
    if (line.starts_with('#')) {
        std::size_t marks = 1;
        while (marks < 3 && marks < line.size() && line[marks] == '#') ++marks;
        return {Kind::heading, static_cast<int>(marks), trim(line.substr(marks)), {}};
    }
    if (line.starts_with("* ")) return {Kind::list_item, 0, trim(line.substr(2)), {}};
    if (line.starts_with('>')) return {Kind::quote, 0, trim(line.substr(1)), {}};
    return {Kind::text, 0, trim(line), {}};
}

// The body of a page, written line by line; lists and quotes open on their first item with
// text and close when a line of another kind (a blank one included) comes.
class BodyWriter {
public:
    explicit BodyWriter(const LinkMapper& link) : link_(link) {}

    void add(std::string_view line) {
        if (preformatted_) {
            if (line.starts_with("```")) {
                out_ += "</pre>\n";
                preformatted_ = false;
            } else {
                if (!first_pre_line_) out_ += '\n';
                append_html_escaped(out_, line);
                first_pre_line_ = false;
            }
            return;
        }
        using Kind = GemtextLine::Kind;
        const GemtextLine g = classify(line);
        const Group group = g.kind == Kind::list_item ? Group::list : g.kind == Kind::quote ? Group::quote : Group::none;
        if (group != group_) close_group();
        group_ = group;
        switch (g.kind) {
            case Kind::toggle:
                out_ += "<pre";
                if (!g.text.empty()) out_ += " aria-label=\"" + html_escape(g.text) + "\"";
                // The parser drops one newline right after <pre>: this one, never a blank first line.
                out_ += ">\n";
                preformatted_ = true;
                first_pre_line_ = true;
                break;
            case Kind::heading:
                if (g.text.empty()) break;
                if (g.level == 1 && first_heading_.empty()) first_heading_ = g.text;
                element(g.level == 1 ? "h1" : g.level == 2 ? "h2" : "h3", g.text);
                break;
            case Kind::list_item:
                if (g.text.empty()) break;
                open_group("<ul>\n");
                element("li", g.text);
                break;
            case Kind::quote:
                if (g.text.empty()) break;
                open_group("<blockquote>\n");
                element("p", g.text);
                break;
            case Kind::link: {
                const std::string_view label = g.text.empty() ? g.target : g.text;
                const std::string href = link_ ? link_(g.target) : std::string(g.target);
                if (is_safe_href(href)) {
                    out_ += "<p><a href=\"";
                    append_html_escaped(out_, href);
                    out_ += "\">";
                    append_html_escaped(out_, label);
                    out_ += "</a></p>\n";
                } else {
                    element("p", label);
                }
                break;
            }
            case Kind::text:
                if (!g.text.empty()) element("p", g.text);
                break;
        }
    }

    std::string finish() {
        if (preformatted_) out_ += "</pre>\n";  // an unterminated block runs to the end
        preformatted_ = false;
        close_group();
        return std::move(out_);
    }

    /// The text of the first level-1 heading, or empty.
    std::string_view first_heading() const { return first_heading_; }

private:
    enum class Group { none, list, quote };

    void element(std::string_view name, std::string_view text) {
        out_ += '<';
        out_ += name;
        out_ += '>';
        append_html_escaped(out_, text);
        out_ += "</";
        out_ += name;
        out_ += ">\n";
    }

    void open_group(std::string_view tag) {
        if (group_open_) return;
        out_ += tag;
        group_open_ = true;
    }

    void close_group() {
        if (group_open_) out_ += group_ == Group::list ? "</ul>\n" : "</blockquote>\n";
        group_open_ = false;
        group_ = Group::none;
    }

    const LinkMapper& link_;
    std::string out_;
    Group group_ = Group::none;
    bool group_open_ = false;
    bool preformatted_ = false;
    bool first_pre_line_ = false;
    std::string_view first_heading_;
};

void append_link(std::string& out, std::string_view attributes, std::string_view href) {
    if (href.empty() || !is_safe_href(href)) return;
    out += "<link ";
    out += attributes;
    out += " href=\"" + html_escape(href) + "\">\n";
}

// Everything up to and including <title>...</title>; the caller adds the rest of <head>.
std::string document_start(std::string_view lang, std::string_view title) {
    std::string out = "<!DOCTYPE html>\n<html";
    if (text::is_language_tag(lang)) out += " lang=\"" + html_escape(lang) + "\"";
    out += ">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>" + html_escape(title) + "</title>\n";
    return out;
}

void append_style(std::string& out) {
    out += "<style>";
    out += style;
    out += "</style>\n";
}

constexpr std::string_view document_end = "</main>\n</body>\n</html>\n";

}  // namespace

std::string render_page(std::string_view gemtext, const PageInfo& info, const LinkMapper& link) {
    BodyWriter body(link);
    for (const text::Line& line : text::Lines(gemtext)) body.add(line.content);
    std::string title = info.title;
    if (title.empty()) title = body.first_heading();
    if (title.empty()) title = info.path;
    if (title.empty()) title = "/";
    const std::string main = body.finish();

    std::string out = document_start(info.lang, title);
    append_link(out, "rel=\"canonical\"", info.canonical_href);
    append_link(out, "rel=\"alternate\" type=\"text/gemini\"", info.gemini_href);
    std::string feed = "rel=\"alternate\" type=\"application/atom+xml\"";
    if (!info.feed_title.empty()) feed += " title=\"" + html_escape(info.feed_title) + "\"";
    append_link(out, feed, info.feed_href);
    append_style(out);
    out += "</head>\n<body>\n<main>\n";
    out += main;
    out += document_end;
    return out;
}

std::string redirect_page(std::string_view target_href, std::string_view lang, std::string_view title) {
    // Leading spaces and controls are skipped by the URL parser; a target of only those would
    // refresh the page itself, forever.
    std::string_view url = target_href;
    while (!url.empty() && static_cast<unsigned char>(url.front()) <= 0x20) url.remove_prefix(1);
    if (url.empty()) throw std::invalid_argument("redirect without a target");
    if (!is_safe_href(url)) throw std::invalid_argument("redirect to a script or data URL");
    const std::string_view label = title.empty() ? url : title;
    // The refresh URL may be quoted; one that starts with a quote must not read as quoted.
    std::string refresh(url);
    if (refresh.starts_with('\'')) refresh.replace(0, 1, "%27");
    if (refresh.starts_with('"')) refresh.replace(0, 1, "%22");

    std::string out = document_start(lang, label);
    out += "<meta http-equiv=\"refresh\" content=\"0; url=" + html_escape(refresh) + "\">\n";
    append_link(out, "rel=\"canonical\"", url);
    append_style(out);
    out += "</head>\n<body>\n<main>\n";
    out += "<p><a href=\"" + html_escape(url) + "\">" + html_escape(label) + "</a></p>\n";
    out += document_end;
    return out;
}

}  // namespace kapsel::web
