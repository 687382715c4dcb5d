#include "capsule/source_tree.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "capsule/capsule.hpp"
#include "capsule/deleted_paths.hpp"
#include "syndication/document_error.hpp"

namespace kapsel::capsule {
namespace {

namespace fs = std::filesystem;

bool is_within(const fs::path& root, const fs::path& target) {
    auto r = root.begin(), t = target.begin();
    for (; r != root.end(); ++r, ++t) {
        if (t == target.end() || *r != *t) return false;
    }
    return true;
}

class TreeReader {
public:
    explicit TreeReader(SourceTree& tree) : tree_(tree) {}

    void run(const fs::path& root) {
        std::error_code ec;
        if (!fs::is_directory(root, ec)) throw SourceError(root.string(), 0, "capsule root is not a directory");
        canonical_root_ = fs::canonical(root, ec);
        if (ec) throw SourceError(root.string(), 0, "cannot resolve the capsule root: " + ec.message());
        tree_.root_display = root.string();
        walk(canonical_root_, root, "", {canonical_root_});
    }

private:
    void walk(const fs::path& dir, const fs::path& display_dir, const std::string& rel_dir,
              std::vector<fs::path> ancestors) {
        std::vector<fs::directory_entry> entries;
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
        if (ec) throw SourceError(display_dir.string(), 0, "cannot read directory: " + ec.message());
        std::sort(entries.begin(), entries.end(),
                  [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });

        for (const fs::directory_entry& entry : entries) {
            const std::string name = entry.path().filename().string();
            if (name.starts_with('.')) continue;  // dot-files and dot-directories are private
            const fs::path display = display_dir / name;
            const std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;

            fs::path target = entry.path();
            if (entry.is_symlink(ec)) {
                target = fs::canonical(entry.path(), ec);
                if (ec) throw SourceError(display.string(), 0, "broken symbolic link");
                if (!is_within(canonical_root_, target)) {
                    throw SourceError(display.string(), 0,
                                      "symbolic link leads outside the capsule root (to " + target.string() + ")");
                }
            }
            if (fs::is_directory(target, ec)) {
                if (std::find(ancestors.begin(), ancestors.end(), target) != ancestors.end())
                    throw SourceError(display.string(), 0, "symbolic link loops back to a directory that contains it");
                tree_.directories.push_back("/" + rel);
                auto below = ancestors;
                below.push_back(target);
                walk(target, display, rel, std::move(below));
            } else if (fs::is_regular_file(target, ec)) {
                std::ifstream in(target, std::ios::binary);
                if (!in) throw SourceError(display.string(), 0, "cannot open file");
                std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
                if (in.bad()) throw SourceError(display.string(), 0, "cannot read file");
                tree_.files.push_back({rel_dir, name, display.string(), std::move(bytes)});
            }
            // Sockets, FIFOs and devices are never content.
        }
    }

    SourceTree& tree_;
    fs::path canonical_root_;
};

}  // namespace

SourceTree read_source_tree(const std::filesystem::path& root) {
    SourceTree tree;
    TreeReader(tree).run(root);
    return tree;
}

// The walk's order: depth first, each directory's entries sorted by name, which is the order
// of the paths' components compared one by one.
std::vector<std::string> components(const std::string& rel_dir, const std::string& name) {
    std::vector<std::string> out;
    for (std::size_t start = 0; start < rel_dir.size();) {
        const std::size_t end = std::min(rel_dir.find('/', start), rel_dir.size());
        out.push_back(rel_dir.substr(start, end - start));
        start = end + 1;
    }
    out.push_back(name);
    return out;
}

void edit_source_tree(SourceTree& tree, const std::string& rel_dir, const std::string& name, const std::string& display,
                      std::optional<std::string> bytes) {
    const auto key = components(rel_dir, name);
    auto it = std::find_if(tree.files.begin(), tree.files.end(),
                           [&](const SourceFile& f) { return components(f.rel_dir, f.name) >= key; });
    const bool present = it != tree.files.end() && it->rel_dir == rel_dir && it->name == name;
    if (!bytes) {
        if (present) tree.files.erase(it);
    } else if (present) {
        it->bytes = std::move(*bytes);
    } else {
        tree.files.insert(it, SourceFile{rel_dir, name, display, std::move(*bytes)});
    }
}

std::vector<std::string> read_deleted_paths(const std::filesystem::path& state_file) {
    std::ifstream in(state_file, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(std::filesystem::symlink_status(state_file, ec))) return {};
        throw SourceError(state_file.string(), 0, "cannot open the deletions' state file");
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw SourceError(state_file.string(), 0, "cannot read the deletions' state file");
    try {
        return parse_deleted_paths(text);
    } catch (const syndication::DocumentError& e) {
        throw SourceError(state_file.string(), e.line(), e.what());
    }
}

MimeTable read_mime_types() {
    MimeTable table = builtin_mime_types();
    if (std::ifstream in{"/etc/mime.types"}) {
        const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        for (auto& [ext, type] : parse_mime_types(text)) table.insert_or_assign(ext, type);
    }
    return table;
}

}  // namespace kapsel::capsule
