#include "site/access_log.hpp"

#include <gtest/gtest.h>

using kapsel::site::escape_for_log;
using kapsel::site::format_access_line;

namespace {

TEST(EscapeForLog, Table) {
    const std::pair<std::string, std::string> rows[] = {
        {"gemini://localhost/", "gemini://localhost/"},
        {"a\nb", "a\\x0ab"},
        {"a\r\nfake 20 line", "a\\x0d\\x0afake 20 line"},
        {"\x1b[31mred", "\\x1b[31mred"},
        {"tab\there", "tab\\x09here"},
        {"del\x7f", "del\\x7f"},
        {"quote\"back\\slash", "quote\\x22back\\x5cslash"},
        {"Umeå", "Umeå"},
        {"\xc2\x85nel", "\\xc2\\x85nel"},              // C1 NEL
        {"\xe2\x80\xa8sep", "\\u2028sep"},              // line separator
        {"a\xe2\x80\xae" "b", "a\\u202eb"},               // RIGHT-TO-LEFT OVERRIDE
        {"\xe2\x81\xa6\xe2\x81\xa9", "\\u2066\\u2069"},     // isolates
        {"zero\xe2\x80\x8bwidth", "zero\\u200bwidth"},  // ZERO WIDTH SPACE
        {"\xef\xbb\xbf" "bom", "\\ufeffbom"},               // BOM / ZWNBSP
        {"soft\xc2\xadhyphen", "soft\\u00adhyphen"},
        {"tag\xf3\xa0\x81\x81", "tag\\U000e0041"},     // TAG LATIN CAPITAL LETTER A
        {"\xe2\x80\x8e\xd8\x9c", "\\u200e\\u061c"},     // LRM, ARABIC LETTER MARK
        {"arrow \xe2\x86\x92 ok", "arrow \xe2\x86\x92 ok"},   // ordinary symbols stay
        {"\xff\xfe", "\\xff\\xfe"},
        {"\xc0\xae", "\\xc0\\xae"},                    // overlong
        {std::string("nul\0x", 5), "nul\\x00x"},
    };
    for (const auto& [in, out] : rows) EXPECT_EQ(escape_for_log(in), out) << in;
}

TEST(AccessLine, HasEveryField) {
    kapsel::site::AccessRecord r;
    r.client = "127.0.0.1:4000";
    r.sni = "localhost";
    r.request = "gemini://localhost/\n20 forged";
    r.status = 51;
    r.bytes = 14;
    r.duration = std::chrono::microseconds(1234);
    EXPECT_EQ(format_access_line(r), "127.0.0.1:4000 \"localhost\" \"gemini://localhost/\\x0a20 forged\" 51 14 1.234ms -");
    r.status = 0;
    r.bytes = 0;
    EXPECT_EQ(format_access_line(r), "127.0.0.1:4000 \"localhost\" \"gemini://localhost/\\x0a20 forged\" - 0 1.234ms -");
    r.certificate = "AB:CD";
    EXPECT_EQ(format_access_line(r), "127.0.0.1:4000 \"localhost\" \"gemini://localhost/\\x0a20 forged\" - 0 1.234ms AB:CD");
}

TEST(AccessLine, TitanTokensAreNeverWritten) {
    kapsel::site::AccessRecord r;
    r.client = "127.0.0.1:4000";
    r.request = "titan://localhost/artiklar/ny.txt;size=10;token=hemligt;mime=text/plain";
    r.status = 30;
    const std::string line = format_access_line(r);
    EXPECT_EQ(line.find("hemligt"), std::string::npos) << line;
    EXPECT_NE(line.find("\"titan://localhost/artiklar/ny.txt;size=10;token=*;mime=text/plain\""), std::string::npos)
        << line;
    r.request = "TITAN://localhost/x.txt;TOKEN=s%65cret;size=1";
    EXPECT_EQ(format_access_line(r).find("s%65cret"), std::string::npos);
}

}  // namespace
