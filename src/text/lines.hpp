#pragma once
/// Text split into lines, the one way every reader of capsule files does it: a line ends at
/// LF; a CR right before the LF (or right before the end of the text) belongs to the line
/// ending, not the line.

#include <cstddef>
#include <iterator>
#include <string_view>

namespace kapsel::text {

/// One line of a text: its content (without "\n" or "\r\n"), where it starts, its number.
struct Line {
    std::string_view content;
    std::string_view with_ending;  // content plus its "\n" or "\r\n" (none on a last unterminated line)
    std::size_t offset = 0;        // byte offset of the line's first byte in the text
    int number = 1;                // 1-based
};

/// Iterates over the lines of `text`: `for (const Line& line : Lines(text))`. A text that ends
/// with "\n" has no empty line after it; an empty text has no lines at all.
class Lines {
public:
    explicit Lines(std::string_view text, int first_number = 1) : text_(text), first_number_(first_number) {}

    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Line;
        using difference_type = std::ptrdiff_t;
        using pointer = const Line*;
        using reference = const Line&;

        iterator() = default;
        iterator(std::string_view text, std::size_t pos, int number) : text_(text) { load(pos, number); }

        const Line& operator*() const { return line_; }
        const Line* operator->() const { return &line_; }
        iterator& operator++() {
            load(next_, line_.number + 1);
            return *this;
        }
        iterator operator++(int) {
            iterator before = *this;
            ++*this;
            return before;
        }
        friend bool operator==(const iterator& a, const iterator& b) { return a.line_.offset == b.line_.offset; }

    private:
        void load(std::size_t pos, int number);

        std::string_view text_;
        Line line_;
        std::size_t next_ = 0;
    };

    iterator begin() const { return iterator(text_, 0, first_number_); }
    iterator end() const { return iterator(text_, text_.size(), 0); }

private:
    std::string_view text_;
    int first_number_;
};

inline void Lines::iterator::load(std::size_t pos, int number) {
    line_.offset = pos;
    line_.number = number;
    if (pos >= text_.size()) {
        line_.offset = text_.size();
        line_.content = line_.with_ending = {};
        next_ = text_.size();
        return;
    }
    const std::size_t nl = text_.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text_.size() : nl;
    next_ = nl == std::string_view::npos ? text_.size() : nl + 1;
    line_.with_ending = text_.substr(pos, next_ - pos);
    line_.content = text_.substr(pos, end - pos);
    if (line_.content.ends_with('\r')) line_.content.remove_suffix(1);
}

/// The 1-based line that byte `offset` of `text` is on (offsets past the end: the last line).
int line_number_at(std::string_view text, std::size_t offset);

}  // namespace kapsel::text
