// libFuzzer target for server.toml: any text either loads or is refused with a ConfigError
// that names the file and, for syntax errors, a line; nothing else may escape.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto config = kapsel::config::parse_config(text, "/fuzz/server.toml");
        // A loaded config is complete and in range.
        if (config.server.listen.empty() || config.server.hostnames.empty()) std::abort();
        if (config.server.request_timeout.count() <= 0) std::abort();
        if (!config.capsule.root.is_absolute() || !config.tls.key.is_absolute()) std::abort();
    } catch (const kapsel::config::ConfigError& e) {
        if (e.file() != "/fuzz/server.toml") std::abort();
        if (std::string_view(e.what()).rfind("/fuzz/server.toml:", 0) != 0) std::abort();
    }
    return 0;
}
