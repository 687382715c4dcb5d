#pragma once
/// A problem in a document's source text, at a line of that text (1-based; 0: the whole text).

#include <stdexcept>
#include <string>

namespace kapsel::syndication {

/// Thrown by the pure parsers; the capsule loader adds the file name (capsule::SourceError).
class DocumentError : public std::runtime_error {
public:
    DocumentError(int line, const std::string& message)
        : std::runtime_error(message), line_(line) {}
    int line() const noexcept { return line_; }

private:
    int line_;
};

}  // namespace kapsel::syndication
