#include <gtest/gtest.h>

#include "capsule/mime_types.hpp"

namespace kapsel::capsule {
namespace {

TEST(MimeTypes, ParsesTheMimeTypesFormat) {
    const MimeTable t = parse_mime_types(
        "# comment line\n"
        "\n"
        "text/html\t\t\t\thtml htm shtml\n"
        "image/png png # trailing comment\n"
        "image/x-png png\n"            // first type for an extension wins
        "application/vnd.ms-excel xls xlb xlt\r\n"
        "not-a-type foo\n"             // no slash: skipped
        "text/ bar\n"                  // empty subtype: skipped
        "bad/ty;pe baz\n"              // parameter characters: skipped
        "Application/PDF PDF\n"        // case-folded
        "audio/mpeg\n");               // no extensions: nothing
    EXPECT_EQ(t.at("html"), "text/html");
    EXPECT_EQ(t.at("shtml"), "text/html");
    EXPECT_EQ(t.at("png"), "image/png");
    EXPECT_EQ(t.at("xlt"), "application/vnd.ms-excel");
    EXPECT_EQ(t.at("pdf"), "application/pdf");
    EXPECT_FALSE(t.contains("foo"));
    EXPECT_FALSE(t.contains("bar"));
    EXPECT_FALSE(t.contains("baz"));
    EXPECT_EQ(t.size(), 8u);
}

struct Row {
    const char* file;
    const char* lang;
    const char* type;
};

TEST(MimeTypes, TypeForFile) {
    const MimeTable table = builtin_mime_types();
    const std::vector<Row> rows{
        {"index.gmi", "sv", "text/gemini; charset=utf-8; lang=sv"},
        {"x.GMI", "sv", "text/gemini; charset=utf-8; lang=sv"},
        {"x.gemini", "en-GB", "text/gemini; charset=utf-8; lang=en-GB"},
        {"x.gmi", "en-GB,sv", "text/gemini; charset=utf-8"},  // one tag, as everywhere (xml:lang takes one)
        {"x.gmi", "", "text/gemini; charset=utf-8"},
        {"x.gmi", "sv; evil=1", "text/gemini; charset=utf-8"},
        {"notes.txt", "sv", "text/plain; charset=utf-8"},
        {"bild.PNG", "sv", "image/png"},
        {"foto.jpeg", "sv", "image/jpeg"},
        {"flode.atom", "sv", "application/atom+xml"},
        {"arkiv.tar.gz", "sv", "application/gzip"},
        {"README", "sv", "application/octet-stream"},
        {"x.okand", "sv", "application/octet-stream"},
        {"slut.", "sv", "application/octet-stream"},
        {".gmi", "sv", "application/octet-stream"},
    };
    for (const auto& row : rows) {
        const std::string type = mime_type_for(row.file, table, row.lang);
        EXPECT_EQ(type, row.type) << row.file;
        EXPECT_FALSE(type.ends_with(';')) << row.file;
    }
}

TEST(MimeTypes, BuiltinTableIsWellFormed) {
    for (const auto& [ext, type] : builtin_mime_types()) {
        EXPECT_NE(type.find('/'), std::string::npos) << ext;
        EXPECT_EQ(type.find(';'), std::string::npos) << ext;
        EXPECT_EQ(type.find(' '), std::string::npos) << ext;
    }
}

}  // namespace
}  // namespace kapsel::capsule
