// libFuzzer target for gemtext → HTML5 (render_page with and without mirror_href, and
// redirect_page), fed any bytes. Invariants, each checked against a model written here apart
// from the renderer:
// - the page is valid UTF-8, whatever the input, and starts with "<!DOCTYPE html>";
// - every '<' in it opens or closes a tag the renderer writes, with its known attributes
//   quoted; every element is closed in order and sits where it may (li in ul, a in p, p in
//   main or blockquote, ...); text appears only inside elements that hold text; no '>'
//   outside a tag and no '&' that is not one of the entities the renderer writes. So no
//   input can become markup;
// - the text of <main>, with tags removed and entities decoded, has exactly the words
//   (runs of non-blank characters) of the input's text lines, link labels (the URL when a
//   link has none), headings, list and quote items and preformatted lines, in order, after
//   the documented replacement of invalid UTF-8 and of characters HTML cannot carry by U+FFFD;
// - the <title> is the given title, else the first level-1 heading, else the page path;
// - no href is a javascript:, vbscript: or data: URL as a browser reads it;
// - mirror_href keeps every link inside the capsule under the base path, as a valid URI
//   path without dot segments, and returns links with another scheme exactly as written;
// - the same input gives the same bytes.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gemini/utf8.hpp"
#include "web/html.hpp"
#include "web/links.hpp"

namespace {

using namespace kapsel::web;

// Aborts naming the broken invariant, so a crash report says which one.
[[noreturn]] void fail(int line, const char* condition) {
    std::fprintf(stderr, "fuzz_html.cpp:%d: invariant broken: %s\n", line, condition);
    std::abort();
}
#define CHECK(condition) ((condition) ? void() : fail(__LINE__, #condition))

// ---------------------------------------------------------------------------------------
// The model of the input

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool space_or_tab(char c) { return c == ' ' || c == '\t'; }

void append_words(std::string_view text, std::vector<std::string>& words) {
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && blank(text[i])) ++i;
        const std::size_t start = i;
        while (i < text.size() && !blank(text[i])) ++i;
        if (i > start) words.emplace_back(text.substr(start, i - start));
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && space_or_tab(s.front())) s.remove_prefix(1);
    while (!s.empty() && space_or_tab(s.back())) s.remove_suffix(1);
    return s;
}

// What the renderer promises to do with characters HTML cannot carry: each byte that starts
// no valid UTF-8, and each NUL, control other than tab/LF/FF/CR, and noncharacter, is U+FFFD.
std::string replace_unsafe(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const kapsel::gemini::CodePoint cp = kapsel::gemini::decode_utf8(s, i);
        const std::uint32_t v = cp.value;
        const bool control = (v < 0x20 && v != '\t' && v != '\n' && v != '\f' && v != '\r') || (v >= 0x7F && v <= 0x9F);
        const bool nonchar = (v >= 0xFDD0 && v <= 0xFDEF) || (v & 0xFFFF) == 0xFFFE || (v & 0xFFFF) == 0xFFFF;
        if (cp.bytes == 0 || control || nonchar) {
            out += "\xEF\xBF\xBD";
            i += cp.bytes == 0 ? 1 : cp.bytes;
        } else {
            out.append(s.substr(i, cp.bytes));
            i += cp.bytes;
        }
    }
    return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
        if (line.ends_with('\r')) line.remove_suffix(1);
        out.push_back(line);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    return out;
}

struct Model {
    std::vector<std::string> words;    // what the reader must see, in order
    std::vector<std::string> targets;  // link targets as written
    std::string first_heading;         // the first level-1 heading with text
};

// The gemtext specification's line types, read again here on purpose.
Model read_gemtext(std::string_view input) {
    Model m;
    const std::string clean = replace_unsafe(input);
    bool preformatted = false;
    for (const std::string_view line : split_lines(clean)) {
        if (line.starts_with("```")) {
            preformatted = !preformatted;  // alt text is an attribute, not text
        } else if (preformatted) {
            append_words(line, m.words);
        } else if (line.starts_with("=>")) {
            std::string_view rest = line.substr(2);
            while (!rest.empty() && space_or_tab(rest.front())) rest.remove_prefix(1);
            std::size_t end = 0;
            while (end < rest.size() && !space_or_tab(rest[end])) ++end;
            const std::string_view url = rest.substr(0, end);
            const std::string_view label = trim(rest.substr(end));
            if (url.empty()) {
                append_words(line, m.words);  // no URL: a text line
            } else {
                m.targets.emplace_back(url);
                append_words(label.empty() ? url : label, m.words);
            }
        } else if (line.starts_with('#')) {
            std::size_t marks = 1;
            while (marks < 3 && marks < line.size() && line[marks] == '#') ++marks;
            const std::string_view text = trim(line.substr(marks));
            if (marks == 1 && m.first_heading.empty()) m.first_heading = text;
            append_words(text, m.words);
        } else if (line.starts_with("* ")) {
            append_words(line.substr(2), m.words);
        } else if (line.starts_with('>')) {
            append_words(line.substr(1), m.words);
        } else {
            append_words(line, m.words);
        }
    }
    return m;
}

// ---------------------------------------------------------------------------------------
// The checker of the output

bool unsafe_href(std::string_view href) {
    // As a browser: leading C0 controls and spaces skipped, tab/LF/CR dropped, any case.
    std::size_t i = 0;
    while (i < href.size() && static_cast<unsigned char>(href[i]) <= 0x20) ++i;
    std::string scheme;
    for (; i < href.size() && href[i] != ':'; ++i) {
        const char c = href[i];
        if (c == '\t' || c == '\n' || c == '\r') continue;
        scheme += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (i == href.size()) return false;
    return scheme == "javascript" || scheme == "vbscript" || scheme == "data";
}

// Decodes the five entities the renderer writes; any other '&' is a broken invariant.
std::string decode_entities(std::string_view s) {
    static constexpr std::string_view names[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    static constexpr char chars[] = {'&', '<', '>', '"', '\''};
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        CHECK(s[i] != '<' && s[i] != '>');
        if (s[i] != '&') {
            out += s[i++];
            continue;
        }
        bool known = false;
        for (std::size_t k = 0; k < 5 && !known; ++k) {
            if (s.substr(i).starts_with(names[k])) {
                out += chars[k];
                i += names[k].size();
                known = true;
            }
        }
        CHECK(known);
    }
    return out;
}

struct ElementRule {
    std::string_view name;
    std::vector<std::string_view> parents;  // empty: the root
    std::vector<std::string_view> attributes;
    bool is_void = false;
    bool holds_text = false;
};

const std::vector<ElementRule>& rules() {
    static const std::vector<ElementRule> r = {
        {"html", {}, {"lang"}},
        {"head", {"html"}, {}},
        {"meta", {"head"}, {"charset", "name", "content", "http-equiv"}, true},
        {"title", {"head"}, {}, false, true},
        {"link", {"head"}, {"rel", "type", "title", "href"}, true},
        {"style", {"head"}, {}, false, true},
        {"body", {"html"}, {}},
        {"main", {"body"}, {}},
        {"h1", {"main"}, {}, false, true},
        {"h2", {"main"}, {}, false, true},
        {"h3", {"main"}, {}, false, true},
        {"p", {"main", "blockquote"}, {}, false, true},
        {"ul", {"main"}, {}},
        {"li", {"ul"}, {}, false, true},
        {"blockquote", {"main"}, {}},
        {"pre", {"main"}, {"aria-label"}, false, true},
        {"a", {"p"}, {"href"}, false, true},
    };
    return r;
}

const ElementRule* rule_for(std::string_view name) {
    for (const ElementRule& r : rules())
        if (r.name == name) return &r;
    return nullptr;
}

bool contains(const std::vector<std::string_view>& v, std::string_view s) {
    for (const std::string_view x : v)
        if (x == s) return true;
    return false;
}

struct Checked {
    std::string title;           // the <title> text, decoded
    std::string main_text;       // <main>'s text, tags as spaces, decoded
    std::vector<std::string> hrefs;
};

// Walks the whole page: tags, attributes, nesting, text placement, entities.
Checked check_page(std::string_view page) {
    static constexpr std::string_view doctype = "<!DOCTYPE html>\n";
    CHECK(kapsel::gemini::is_valid_utf8(page));
    CHECK(page.starts_with(doctype));
    CHECK(page.find("<head>\n<meta charset=\"utf-8\">\n") != std::string_view::npos);
    Checked out;
    std::vector<std::string_view> stack;
    bool seen_root = false;
    std::size_t i = doctype.size();
    while (i < page.size()) {
        if (page[i] != '<') {
            const std::size_t end = std::min(page.find('<', i), page.size());
            const std::string text = decode_entities(page.substr(i, end - i));
            bool only_blank = true;
            for (const char c : text) only_blank = only_blank && blank(c);
            if (!only_blank) {
                CHECK(!stack.empty());
                CHECK(rule_for(stack.back())->holds_text);
            }
            if (!stack.empty() && stack.back() == "title") out.title += text;
            if (contains(stack, "main")) out.main_text += text;
            i = end;
            continue;
        }
        const std::size_t close = page.find('>', i);
        CHECK(close != std::string_view::npos);
        std::string_view tag = page.substr(i + 1, close - i - 1);
        i = close + 1;
        if (contains(stack, "main")) out.main_text += ' ';
        if (tag.starts_with('/')) {
            CHECK(!stack.empty() && stack.back() == tag.substr(1));
            stack.pop_back();
            if (stack.empty()) CHECK(page.substr(i) == "\n");  // nothing after </html>
            continue;
        }
        std::size_t n = 0;
        while (n < tag.size() && ((tag[n] >= 'a' && tag[n] <= 'z') || (tag[n] >= '0' && tag[n] <= '9'))) ++n;
        const std::string_view name = tag.substr(0, n);
        const ElementRule* rule = rule_for(name);
        CHECK(rule != nullptr);
        if (rule->parents.empty()) {
            CHECK(stack.empty() && !seen_root);
            seen_root = true;
        } else {
            CHECK(!stack.empty() && contains(rule->parents, stack.back()));
        }
        // Attributes: ' name="value"', the value holding no quote, '<' or '>'.
        std::string_view rest = tag.substr(n);
        while (!rest.empty()) {
            CHECK(rest.front() == ' ');
            const std::size_t eq = rest.find("=\"");
            CHECK(eq != std::string_view::npos);
            const std::string_view attribute = rest.substr(1, eq - 1);
            CHECK(contains(rule->attributes, attribute));
            const std::size_t end = rest.find('"', eq + 2);
            CHECK(end != std::string_view::npos);
            const std::string value = decode_entities(rest.substr(eq + 2, end - eq - 2));
            if (attribute == "href") {
                CHECK(!unsafe_href(value));
                if (name == "a") out.hrefs.push_back(value);
            }
            rest = rest.substr(end + 1);
        }
        if (rule->is_void) continue;
        stack.push_back(name);
        if (name == "style") {
            // The fixed style sheet: raw text up to its end tag, holding no markup.
            const std::size_t end = page.find("</style>", i);
            CHECK(end != std::string_view::npos);
            const std::string_view sheet = page.substr(i, end - i);
            CHECK(sheet.find('<') == std::string_view::npos && sheet.find('>') == std::string_view::npos);
            i = end;
        }
    }
    CHECK(seen_root && stack.empty());
    return out;
}

std::vector<std::string> words_of(std::string_view text) {
    std::vector<std::string> words;
    append_words(text, words);
    return words;
}

// ---------------------------------------------------------------------------------------
// mirror_href

bool is_uri_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("-._~!$&'()*+,;=:@/?#%").find(c) != std::string_view::npos;
}

bool has_scheme(std::string_view target) {
    const std::size_t colon = target.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    for (std::size_t i = 0; i < colon; ++i) {
        const char c = target[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) return false;
    }
    return true;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

void check_mirror_href(std::string_view target, std::string_view page_path, std::string_view base) {
    const std::vector<std::string> hosts = {"kapsel.example"};
    const std::string href = mirror_href(target, page_path, hosts, base);
    if (has_scheme(target) && !lower(target).starts_with("gemini:")) {
        CHECK(href == target);
        return;
    }
    const bool ours = lower(target).starts_with("gemini://kapsel.example/");
    if (!ours && (target.starts_with("//") || has_scheme(target))) return;  // may be another host's
    // Inside the capsule: a valid URI path under the base, without dot segments.
    CHECK(href.starts_with(base));
    CHECK(!href.starts_with("//"));
    for (std::size_t i = 0; i < href.size(); ++i) {
        CHECK(is_uri_char(href[i]));
        if (href[i] == '%') {
            CHECK(i + 2 < href.size());
            CHECK(std::string_view("0123456789ABCDEFabcdef").find(href[i + 1]) != std::string_view::npos);
            CHECK(std::string_view("0123456789ABCDEFabcdef").find(href[i + 2]) != std::string_view::npos);
        }
    }
    std::string_view path = std::string_view(href).substr(0, href.find_first_of("?#"));
    if (path.starts_with("/.//")) path.remove_prefix(2);  // RFC 3986 §5.3's guard against "//"
    const std::string decoded = lower(path);
    for (std::size_t start = 0; start <= decoded.size();) {
        std::size_t end = decoded.find('/', start);
        if (end == std::string::npos) end = decoded.size();
        const std::string_view segment = std::string_view(decoded).substr(start, end - start);
        CHECK(segment != "." && segment != ".." && segment != "%2e" && segment != "%2e%2e" && segment != ".%2e" &&
              segment != "%2e.");
        start = end + 1;
    }
    CHECK(!decoded.ends_with(".gmi"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string page_path = size & 1 ? "/anteckningar/kallor.gmi" : "/";
    const std::string base = size & 2 ? "/spegel/" : "/";
    const std::vector<std::string> hosts = {"kapsel.example"};

    PageInfo info;
    info.lang = size & 4 ? "sv" : "";
    info.path = page_path;
    const std::string_view first_line = input.substr(0, input.find('\n'));
    if (size & 8) info.title = first_line;  // any bytes, in <title>
    if (size & 16) {
        info.feed_href = "/atom.xml";
        info.feed_title = first_line;  // any bytes, in an attribute
        info.canonical_href = first_line;
        info.gemini_href = "gemini://kapsel.example/";
    }
    LinkMapper link;
    if (!(size & 32)) {
        link = [&](std::string_view target) { return mirror_href(target, page_path, hosts, base); };
    }

    const std::string page = render_page(input, info, link);
    const Checked seen = check_page(page);
    CHECK(render_page(input, info, link) == page);

    const Model model = read_gemtext(input);
    CHECK(words_of(seen.main_text) == model.words);
    std::string title = replace_unsafe(info.title);
    if (title.empty()) title = model.first_heading;
    if (title.empty()) title = info.path;
    CHECK(seen.title == title);
    for (const std::string& target : model.targets) check_mirror_href(target, page_path, base);
    check_mirror_href(first_line, page_path, base);  // any bytes at all

    // A redirect page: the first line is the target, the rest its title.
    const std::string_view title_text = first_line.size() < input.size() ? input.substr(first_line.size() + 1) : "";
    std::string_view target = first_line;
    while (!target.empty() && static_cast<unsigned char>(target.front()) <= 0x20) target.remove_prefix(1);
    try {
        const std::string redirect = redirect_page(first_line, "sv", title_text);
        CHECK(!target.empty() && !unsafe_href(target));
        const Checked r = check_page(redirect);
        CHECK(words_of(r.main_text) == words_of(replace_unsafe(title_text.empty() ? target : title_text)));
        CHECK(r.hrefs.size() == 1);
    } catch (const std::invalid_argument&) {
        CHECK(target.empty() || unsafe_href(target));
    }
    return 0;
}
