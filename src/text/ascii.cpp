#include "text/ascii.hpp"

namespace kapsel::text {

std::string to_lower(std::string_view s) {
    std::string out(s);
    lower_in_place(out);
    return out;
}

void lower_in_place(std::string& s) noexcept {
    for (char& c : s) c = to_lower(c);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}

void append_hex(std::string& out, unsigned char byte, HexCase letters) {
    static constexpr char upper[] = "0123456789ABCDEF";
    static constexpr char lower[] = "0123456789abcdef";
    const char* digits = letters == HexCase::upper ? upper : lower;
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0x0F]);
}

}  // namespace kapsel::text
