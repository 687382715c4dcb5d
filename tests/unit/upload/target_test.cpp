// Where an upload may go: a table of request paths and mimes, each with the document it names
// or the 59 that refuses it.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "upload/target.hpp"

namespace kapsel::upload {
namespace {

config::TitanSettings titan() {
    config::TitanSettings t;
    t.enabled = true;
    t.paths = {"artiklar", "blogg/2026"};
    t.tokens = {"0123456789abcdef"};
    return t;
}

struct Row {
    std::string path;
    std::string mime;
    bool deletion;
    // Accepted: the directory, stem and format; refused: the META's beginning.
    std::string rel_dir, stem;
    Format format;
    std::string refusal;
};

const std::vector<Row> rows = {
    // Accepted.
    {"/artiklar/ny.txt", "text/plain", false, "artiklar", "ny", Format::plain_text, ""},
    {"/artiklar/ny.gmi", "text/plain", false, "artiklar", "ny", Format::plain_text, ""},  // plain text to its page
    {"/artiklar/ny.gmi", "text/gemini", false, "artiklar", "ny", Format::gemtext, ""},
    {"/blogg/2026/a-b_c9.gmi", "text/gemini", false, "blogg/2026", "a-b_c9", Format::gemtext, ""},
    {"/artiklar/ny.gmi", "image/png", true, "artiklar", "ny", Format::either, ""},  // a deletion: any mime
    {"/artiklar/ny.txt", "text/gemini", true, "artiklar", "ny", Format::plain_text, ""},
    // Refused, all 59.
    {"", "text/gemini", false, "", "", Format::gemtext, "Not an absolute path"},  // never from a request
    {"artiklar/x.gmi", "text/gemini", false, "", "", Format::gemtext, "Not an absolute path"},
    {"/", "text/gemini", false, "", "", Format::gemtext, "The start page is not uploaded; articles go into /artiklar/ or /blogg/2026/"},
    {"/index.gmi", "text/gemini", false, "", "", Format::gemtext, "The start page is not uploaded"},
    {"/artiklar/", "text/gemini", false, "", "", Format::gemtext, "/artiklar/ is a directory"},
    {"/artiklar/index.gmi", "text/gemini", false, "", "", Format::gemtext, "index.gmi is the directory's start page"},
    {"/anteckningar/x.gmi", "text/gemini", false, "", "", Format::gemtext, "Uploads go only into /artiklar/ or /blogg/2026/"},
    {"/x.gmi", "text/gemini", false, "", "", Format::gemtext, "Uploads go only into"},
    {"/artiklar/sub/x.gmi", "text/gemini", false, "", "", Format::gemtext, "Uploads go only into"},  // not below one
    {"/blogg/x.gmi", "text/gemini", false, "", "", Format::gemtext, "Uploads go only into"},
    {"/artiklar/bild.png", "image/png", false, "", "", Format::gemtext, "Only documents are uploaded"},
    {"/artiklar/x.GMI", "text/gemini", false, "", "", Format::gemtext, "Only documents are uploaded"},
    {"/artiklar/x", "text/gemini", false, "", "", Format::gemtext, "Only documents are uploaded"},
    {"/artiklar/Stor.gmi", "text/gemini", false, "", "", Format::gemtext, "\"Stor\" is not a document name"},
    {"/artiklar/-x.gmi", "text/gemini", false, "", "", Format::gemtext, "\"-x\" is not a document name"},
    {"/artiklar/å.gmi", "text/gemini", false, "", "", Format::gemtext, "\"å\" is not a document name"},
    {"/artiklar/a b.gmi", "text/gemini", false, "", "", Format::gemtext, "\"a b\" is not a document name"},
    {"/artiklar/.gmi", "text/gemini", false, "", "", Format::gemtext, "\"\" is not a document name"},
    {"/artiklar/x.txt", "text/gemini", false, "", "", Format::gemtext, "text/gemini is uploaded to x.gmi"},
    {"/artiklar/x.gmi", "text/html", false, "", "", Format::gemtext, "Only text/plain and text/gemini are uploaded, not text/html"},
    {"/artiklar/x.gmi", "application/octet-stream", false, "", "", Format::gemtext, "Only text/plain and text/gemini"},
};

TEST(UploadTarget, EveryPathAndMime) {
    for (const Row& row : rows) {
        SCOPED_TRACE(row.path + " " + row.mime + (row.deletion ? " (deletion)" : ""));
        const Checked checked = upload_target(titan(), row.path, row.mime, row.deletion);
        if (row.refusal.empty()) {
            const auto* target = std::get_if<Target>(&checked);
            ASSERT_NE(target, nullptr) << std::get<gemini::Rejection>(checked).meta;
            EXPECT_EQ(target->rel_dir, row.rel_dir);
            EXPECT_EQ(target->stem, row.stem);
            EXPECT_EQ(target->format, row.format);
        } else {
            const auto* rejection = std::get_if<gemini::Rejection>(&checked);
            ASSERT_NE(rejection, nullptr);
            EXPECT_EQ(rejection->status, gemini::Status::bad_request);
            EXPECT_TRUE(rejection->meta.starts_with(row.refusal)) << rejection->meta;
        }
    }
}

TEST(UploadTarget, NamesItsFileAndPage) {
    const Target plain{"artiklar", "ny", Format::plain_text};
    EXPECT_EQ(plain.file_name(), "ny.txt");
    EXPECT_EQ(plain.file_path(), "artiklar/ny.txt");
    EXPECT_EQ(plain.page_path(), "/artiklar/ny.gmi");
    const Target gemtext{"blogg/2026", "x", Format::gemtext};
    EXPECT_EQ(gemtext.file_name(), "x.gmi");
    EXPECT_EQ(gemtext.page_path(), "/blogg/2026/x.gmi");
}

}  // namespace
}  // namespace kapsel::upload
