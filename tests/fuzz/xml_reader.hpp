#pragma once
/// A small strict XML 1.0 reader for the fuzz targets: what a conforming parser would read from
/// a document, or nullopt when it is malformed or uses anything this reader does not read.
//
// It reads: an optional XML declaration, one root element, elements with attributes in single
// or double quotes, character data, the five predefined entities and character references
// (&#NN; &#xNN;). Like every parser it applies end-of-line handling (CRLF and a lone CR become
// LF, XML 1.0 §2.11) and attribute-value normalisation (a literal tab, LF or CR in an attribute
// value becomes a space, §3.3.3; a character reference does not). It refuses invalid UTF-8,
// characters XML 1.0 forbids (also through a reference), names outside XML's Name production,
// duplicate attributes, mismatched or unclosed tags, '<' or a stray '&' in an attribute, "]]>"
// in text, text outside the root, and also what it does not read: comments, processing
// instructions, CDATA sections, a DOCTYPE, other entities and a byte order mark. Namespaces are
// not processed: "xmlns" and "xml:lang" are attributes like any other. Independent of kapsel's
// own code, so the Atom writer is checked against XML, not against itself.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kapsel::fuzz {

struct XmlAttribute {
    std::string name;
    std::string value;  // references resolved, normalised
};

struct XmlElement {
    std::string name;
    std::vector<XmlAttribute> attributes;  // in document order; names are unique
    std::vector<XmlElement> children;      // in document order
    std::string text;                      // all character data directly inside, concatenated

    /// The value of attribute `n`, or nullptr.
    const std::string* attribute(std::string_view n) const {
        for (const auto& a : attributes)
            if (a.name == n) return &a.value;
        return nullptr;
    }

    /// The children named `n`, in order.
    std::vector<const XmlElement*> children_named(std::string_view n) const {
        std::vector<const XmlElement*> out;
        for (const auto& c : children)
            if (c.name == n) out.push_back(&c);
        return out;
    }
};

struct XmlDocument {
    bool has_declaration = false;
    std::string version;   // from the declaration
    std::string encoding;  // "" when the declaration names none
    XmlElement root;
};

namespace xml_detail {

/// XML 1.0 §2.2 Char.
constexpr bool is_char(char32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

constexpr bool is_space(char32_t c) { return c == 0x20 || c == 0x9 || c == 0xD || c == 0xA; }

/// XML 1.0 (fifth edition) §2.3 NameStartChar and NameChar.
constexpr bool is_name_start(char32_t c) {
    return c == ':' || (c >= 'A' && c <= 'Z') || c == '_' || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0xD6) ||
           (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) || (c >= 0x370 && c <= 0x37D) ||
           (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) || (c >= 0x2070 && c <= 0x218F) ||
           (c >= 0x2C00 && c <= 0x2FEF) || (c >= 0x3001 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
           (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}

constexpr bool is_name_char(char32_t c) {
    return is_name_start(c) || c == '-' || c == '.' || (c >= '0' && c <= '9') || c == 0xB7 ||
           (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

/// Decodes strict UTF-8 (no overlong forms, surrogates or values above U+10FFFF); nullopt on
/// any bad byte.
inline std::optional<std::u32string> decode_utf8(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        std::size_t n;
        char32_t c;
        if (b0 < 0x80) {
            n = 1;
            c = b0;
        } else if (b0 >= 0xC2 && b0 <= 0xDF) {
            n = 2;
            c = b0 & 0x1F;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            n = 3;
            c = b0 & 0x0F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            n = 4;
            c = b0 & 0x07;
        } else {
            return std::nullopt;
        }
        if (i + n > s.size()) return std::nullopt;
        for (std::size_t k = 1; k < n; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) return std::nullopt;
            c = (c << 6) | (b & 0x3F);
        }
        if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF))
            return std::nullopt;
        out.push_back(c);
        i += n;
    }
    return out;
}

inline void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

/// Recursive descent over the decoded, end-of-line-normalised document. Every read_* returns
/// false on the first thing that is not well-formed XML (or not in the subset read).
class Reader {
public:
    explicit Reader(std::u32string text) : s_(std::move(text)) {}

    bool read_document(XmlDocument& doc) {
        if (!s_.empty() && s_[0] == 0xFEFF) return false;  // a BOM: not read
        if (starts_with(U"<?xml") && pos_ + 5 < s_.size() && is_space(s_[pos_ + 5])) {
            pos_ += 5;
            if (!read_declaration(doc)) return false;
        }
        skip_space();
        if (!read_element(doc.root, 0)) return false;
        skip_space();
        return pos_ == s_.size();  // nothing but white space after the root
    }

private:
    static constexpr int max_depth = 64;

    bool at_end() const { return pos_ >= s_.size(); }
    bool starts_with(std::u32string_view prefix) const {
        return std::u32string_view(s_).substr(pos_).starts_with(prefix);
    }
    bool eat(char32_t c) {
        if (at_end() || s_[pos_] != c) return false;
        ++pos_;
        return true;
    }
    bool eat(std::u32string_view word) {
        if (!starts_with(word)) return false;
        pos_ += word.size();
        return true;
    }
    bool skip_space() {
        const std::size_t start = pos_;
        while (!at_end() && is_space(s_[pos_])) ++pos_;
        return pos_ > start;
    }

    bool read_name(std::string& out) {
        if (at_end() || !is_name_start(s_[pos_])) return false;
        out.clear();
        while (!at_end() && is_name_char(s_[pos_])) append_utf8(out, s_[pos_++]);
        return true;
    }

    // Eq ::= S? '=' S?
    bool read_eq() {
        skip_space();
        if (!eat('=')) return false;
        skip_space();
        return true;
    }

    // A quoted literal of the declaration: no references, no markup.
    bool read_plain_literal(std::string& out) {
        if (at_end() || (s_[pos_] != '"' && s_[pos_] != '\'')) return false;
        const char32_t quote = s_[pos_++];
        out.clear();
        while (!at_end() && s_[pos_] != quote) append_utf8(out, s_[pos_++]);
        return eat(quote);
    }

    // XMLDecl ::= '<?xml' VersionInfo EncodingDecl? SDDecl? S? '?>', after "<?xml".
    bool read_declaration(XmlDocument& doc) {
        doc.has_declaration = true;
        if (!skip_space() || !eat(U"version") || !read_eq() || !read_plain_literal(doc.version)) return false;
        if (doc.version != "1.0") return false;
        bool space = skip_space();
        if (space && eat(U"encoding")) {
            if (!read_eq() || !read_plain_literal(doc.encoding)) return false;
            // EncName ::= [A-Za-z] ([A-Za-z0-9._] | '-')*
            if (doc.encoding.empty()) return false;
            for (std::size_t i = 0; i < doc.encoding.size(); ++i) {
                const char c = doc.encoding[i];
                const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
                if (!(letter || (i > 0 && ((c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))))
                    return false;
            }
            space = skip_space();
        }
        if (space && eat(U"standalone")) {
            std::string value;
            if (!read_eq() || !read_plain_literal(value) || (value != "yes" && value != "no")) return false;
            skip_space();
        }
        return eat(U"?>");
    }

    // Reference ::= '&' Name ';' (the five predefined ones) | '&#' [0-9]+ ';' | '&#x' [0-9a-fA-F]+ ';'
    bool read_reference(std::string& out) {
        if (!eat('&')) return false;
        if (eat('#')) {
            const bool hex = eat('x');
            std::uint32_t value = 0;
            std::size_t digits = 0;
            while (!at_end() && s_[pos_] != ';') {
                const char32_t c = s_[pos_++];
                int d;
                if (c >= '0' && c <= '9') d = static_cast<int>(c - '0');
                else if (hex && c >= 'a' && c <= 'f') d = static_cast<int>(c - 'a' + 10);
                else if (hex && c >= 'A' && c <= 'F') d = static_cast<int>(c - 'A' + 10);
                else return false;
                value = value * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
                if (value > 0x10FFFF) return false;
                ++digits;
            }
            if (digits == 0 || !eat(';') || !is_char(value)) return false;
            append_utf8(out, value);
            return true;
        }
        std::string name;
        if (!read_name(name) || !eat(';')) return false;
        if (name == "amp") out += '&';
        else if (name == "lt") out += '<';
        else if (name == "gt") out += '>';
        else if (name == "quot") out += '"';
        else if (name == "apos") out += '\'';
        else return false;  // no DTD, so no other entity exists
        return true;
    }

    // AttValue ::= '"' ([^<&"] | Reference)* '"' | "'" ([^<&'] | Reference)* "'", normalised.
    bool read_attribute_value(std::string& out) {
        if (at_end() || (s_[pos_] != '"' && s_[pos_] != '\'')) return false;
        const char32_t quote = s_[pos_++];
        out.clear();
        while (true) {
            if (at_end()) return false;
            const char32_t c = s_[pos_];
            if (c == quote) {
                ++pos_;
                return true;
            }
            if (c == '<') return false;
            if (c == '&') {
                if (!read_reference(out)) return false;
                continue;
            }
            append_utf8(out, is_space(c) ? U' ' : c);
            ++pos_;
        }
    }

    // element ::= EmptyElemTag | STag content ETag
    bool read_element(XmlElement& e, int depth) {
        if (depth > max_depth || !eat('<') || !read_name(e.name)) return false;
        while (true) {
            const bool space = skip_space();
            if (eat(U"/>")) return true;
            if (eat('>')) break;
            if (!space) return false;  // attributes are separated by white space
            XmlAttribute a;
            if (!read_name(a.name) || !read_eq() || !read_attribute_value(a.value)) return false;
            if (e.attribute(a.name)) return false;  // §3.1: unique attribute names
            e.attributes.push_back(std::move(a));
        }
        // content ::= CharData? ((element | Reference) CharData?)*
        while (true) {
            if (at_end()) return false;  // unclosed
            if (eat(U"</")) {
                std::string name;
                if (!read_name(name) || name != e.name) return false;
                skip_space();
                return eat('>');
            }
            if (starts_with(U"<!") || starts_with(U"<?")) return false;  // comment, CDATA, PI: not read
            if (s_[pos_] == '<') {
                XmlElement child;
                if (!read_element(child, depth + 1)) return false;
                e.children.push_back(std::move(child));
                continue;
            }
            if (s_[pos_] == '&') {
                if (!read_reference(e.text)) return false;
                continue;
            }
            if (starts_with(U"]]>")) return false;  // §2.4: not allowed in character data
            append_utf8(e.text, s_[pos_++]);
        }
    }

    std::u32string s_;
    std::size_t pos_ = 0;
};

}  // namespace xml_detail

/// True when `s` is valid UTF-8 holding only characters XML 1.0 allows.
inline bool is_xml_text(std::string_view s) {
    const auto decoded = xml_detail::decode_utf8(s);
    if (!decoded) return false;
    for (const char32_t c : *decoded)
        if (!xml_detail::is_char(c)) return false;
    return true;
}

/// Reads `text` as an XML 1.0 document; nullopt when it is not one (see the top of this file).
inline std::optional<XmlDocument> read_xml(std::string_view text) {
    auto decoded = xml_detail::decode_utf8(text);
    if (!decoded) return std::nullopt;
    std::u32string normalised;  // §2.11 end-of-line handling
    normalised.reserve(decoded->size());
    for (std::size_t i = 0; i < decoded->size(); ++i) {
        const char32_t c = (*decoded)[i];
        if (!xml_detail::is_char(c)) return std::nullopt;
        if (c == '\r') {
            normalised.push_back('\n');
            if (i + 1 < decoded->size() && (*decoded)[i + 1] == '\n') ++i;
        } else {
            normalised.push_back(c);
        }
    }
    XmlDocument doc;
    xml_detail::Reader reader(std::move(normalised));
    if (!reader.read_document(doc)) return std::nullopt;
    return doc;
}

}  // namespace kapsel::fuzz
