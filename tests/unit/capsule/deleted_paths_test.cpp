// What uploads deleted: the state file's lines (a table of accepted and refused ones), the
// build answering 52 for them only while nothing serves them, and a tree edited in memory in
// exactly the order the walk reads a tree.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "capsule/build.hpp"
#include "capsule/deleted_paths.hpp"
#include "syndication/document_error.hpp"

namespace kapsel::capsule {
namespace {

TEST(DeletedPaths, ReadsPathsSortedOnceAndSkipsCommentsAndBlankLines) {
    const auto paths = parse_deleted_paths("# a comment\n/b/x.gmi\n\n/a/y.txt\r\n/b/x.gmi\n");
    EXPECT_EQ(paths, (std::vector<std::string>{"/a/y.txt", "/b/x.gmi"}));
    EXPECT_TRUE(parse_deleted_paths("").empty());
}

TEST(DeletedPaths, FormatReadsBackTheSame) {
    const std::vector<std::string> paths{"/z/a.gmi", "/a/b.txt", "/z/a.gmi"};
    const std::string text = format_deleted_paths(paths);
    EXPECT_TRUE(text.starts_with("# kapsel:"));
    EXPECT_EQ(parse_deleted_paths(text), (std::vector<std::string>{"/a/b.txt", "/z/a.gmi"}));
}

TEST(DeletedPaths, RefusesWhatNoRequestPathIsAtItsLine) {
    const std::vector<std::string> refused{
        "artiklar/x.gmi",  // relative
        "/a/../b.gmi",     // dot segments
        "/a/./b.gmi",
        "/a//b.gmi",       // an empty segment
        "/a/.hidden",      // a dot-file
        "/",               // the start page is no document
        "/a/",             // nor a directory
        "/a b.gmi",        // a space
        "/a\\b.gmi",       // a backslash
        "/a\x01.gmi",      // a control character
        "/a\xff.gmi",      // not UTF-8
    };
    for (const auto& line : refused) {
        SCOPED_TRACE(line);
        try {
            parse_deleted_paths("# first\n" + line + "\n");
            ADD_FAILURE() << "accepted";
        } catch (const syndication::DocumentError& e) {
            EXPECT_EQ(e.line(), 2);
            EXPECT_NE(std::string(e.what()).find("not a capsule path"), std::string::npos) << e.what();
        }
    }
}

SourceTree tree_of(const std::vector<std::pair<std::string, std::string>>& files) {
    SourceTree tree;
    tree.root_display = "c";
    for (const auto& [dir, name] : files) tree.files.push_back(std::make_shared<const SourceFile>(SourceFile{dir, name, "c/" + dir + "/" + name, "x", {}}));
    return tree;
}

std::vector<std::string> names(const SourceTree& tree) {
    std::vector<std::string> out;
    for (const auto& f : tree.files) out.push_back((f->rel_dir.empty() ? "" : f->rel_dir + "/") + f->name);
    return out;
}

TEST(EditSourceTree, AddsWhereTheWalkWouldHaveFoundItReplacesAndRemoves) {
    // The walk's order: depth first, each directory's entries by name.
    SourceTree tree = tree_of({{"", "a.gmi"}, {"b/c", "y.gmi"}, {"b", "x.gmi"}, {"b", "z.gmi"}, {"", "d.gmi"}});
    edit_source_tree(tree, "b", "m.txt", "c/b/m.txt", std::string("new"));
    edit_source_tree(tree, "b", "a.txt", "c/b/a.txt", std::string("first"));
    edit_source_tree(tree, "b", "zz.gmi", "c/b/zz.gmi", std::string("last"));
    edit_source_tree(tree, "e", "n.gmi", "c/e/n.gmi", std::string("after all"));
    EXPECT_EQ(names(tree), (std::vector<std::string>{"a.gmi", "b/a.txt", "b/c/y.gmi", "b/m.txt", "b/x.gmi", "b/z.gmi",
                                                     "b/zz.gmi", "d.gmi", "e/n.gmi"}));
    edit_source_tree(tree, "b", "x.gmi", "ignored", std::string("replaced"));
    EXPECT_EQ(tree.files[4]->bytes, "replaced");
    EXPECT_EQ(tree.files[4]->display, "c/b/x.gmi");
    edit_source_tree(tree, "b", "m.txt", "", std::nullopt);
    edit_source_tree(tree, "b", "missing.txt", "", std::nullopt);  // nothing there: nothing changes
    EXPECT_EQ(names(tree), (std::vector<std::string>{"a.gmi", "b/a.txt", "b/c/y.gmi", "b/x.gmi", "b/z.gmi", "b/zz.gmi",
                                                     "d.gmi", "e/n.gmi"}));
}

const char* const document = "+++\ntitle = \"T\"\npublished = 2026-01-01\n+++\n# T\n";

TEST(DeletedPaths, GoneWhileNothingServesThem) {
    SourceTree tree;
    tree.root_display = "c";
    tree.directories = {"/artiklar"};
    tree.files.push_back(
        std::make_shared<const SourceFile>(SourceFile{"artiklar", "kvar.gmi", "c/artiklar/kvar.gmi", document, {}}));
    BuildSettings settings;
    settings.hostnames = {"localhost"};
    settings.feed.paths = {"artiklar"};
    settings.deleted = {"/artiklar/borta.gmi", "/artiklar/borta.txt", "/artiklar/kvar.gmi", "/omdirigerad.gmi"};
    settings.redirects.push_back({"/omdirigerad.gmi", "/artiklar/kvar.gmi", true, {}});
    const auto capsule = build_capsule(tree, builtin_mime_types(), settings);
    EXPECT_TRUE(capsule->is_gone("/artiklar/borta.gmi"));
    EXPECT_TRUE(capsule->is_gone("/artiklar/borta.txt"));
    EXPECT_FALSE(capsule->is_gone("/artiklar/kvar.gmi"));  // served again: a page, not gone
    EXPECT_NE(capsule->find("localhost", "/artiklar/kvar.gmi"), nullptr);
    EXPECT_FALSE(capsule->is_gone("/omdirigerad.gmi"));  // a rule says more than a deletion
    EXPECT_TRUE(capsule->redirect_for("/omdirigerad.gmi").has_value());
}

TEST(ParseDocumentFile, ChecksAsTheBuildDoes) {
    const std::vector<std::pair<std::string, int>> broken{
        {"+++\ntitle = \"T\"\npublished = 2026-01-01\n+++\n\xff\n", 5},             // not UTF-8
        {"+++\ntitle = \"T\"\npublished = 2026-01-01\n+++\nok\n\x01\n", 6},         // not XML 1.0
        {"+++\ntitle = \"T\"\n+++\ntext\n", 1},                                    // no published
        {"+++\ntitle = \"T\"\npublished = 2026-01-01\nslug = \"A\"\n+++\nx\n", 4},  // a bad slug
        {"+++\ntitle = \"T\"\npublished = 2026-01-01\n+++\n\n\n", 0},              // plain text without a title line
    };
    for (const auto& [text, line] : broken) {
        SCOPED_TRACE(text);
        try {
            parse_document_file(text, "x", true);
            ADD_FAILURE() << "accepted";
        } catch (const syndication::DocumentError& e) {
            if (line > 0) {
                EXPECT_EQ(e.line(), line) << e.what();
            }
        }
    }
    const DocumentFile doc = parse_document_file(document, "x", true);
    EXPECT_EQ(doc.meta.slug, "x");
    EXPECT_EQ(doc.body, "# T\n");
    EXPECT_EQ(doc.body_line, 5);
    EXPECT_EQ(doc.text.title, "# T");
}

}  // namespace
}  // namespace kapsel::capsule
