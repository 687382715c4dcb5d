#pragma once
// Reading fixtures for the syndication tests.

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace kapsel::testing {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string seed_text() { return read_file(std::string(KAPSEL_TEST_DATA) + "/debatt-tryggt-umea.seed.txt"); }

inline std::string article_source() {
    return read_file(std::string(KAPSEL_SOURCE_DIR) + "/capsule/artiklar/tryggt-umea.txt");
}

inline constexpr const char* share_residue = "facebook Twitter Email";

}  // namespace kapsel::testing
