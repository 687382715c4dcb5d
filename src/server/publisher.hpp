#pragma once
/// Titan uploads made real, one at a time on the server's control thread, so they are serialised
/// with each other and with every reload: the target looked at on disk (never through a symbolic
/// link), the document prepared (upload/document.hpp), the capsule built with it before a byte is
/// written, then the file written atomically and the new state put in service. The reply says
/// which: 30 to the page once every worker serves it, 59 for what the upload got wrong (nothing
/// written), 40 when the server could not write or build (nothing changed).

#include <filesystem>
#include <functional>
#include <memory>

#include "config/config.hpp"
#include "site/site.hpp"

namespace kapsel::server {

class Publisher {
public:
    /// Puts a site in service (every worker, the web mirrors) before the upload is answered.
    using Install = std::function<void(std::shared_ptr<const site::Site>)>;
    /// Told each file an upload is about to change, so the watcher does not reload for it.
    using Expect = std::function<void(const std::filesystem::path&)>;
    /// The site being served now, whose unchanged parts the build with an upload reuses.
    using Current = std::function<std::shared_ptr<const site::Site>()>;

    /// `config` is the configuration being served, kept current by the server across reloads.
    Publisher(const config::Config& config, Install install, Expect expect, Current current);

    /// Publishes `upload` (its body read) and returns the reply. Never throws.
    site::Reply publish(const site::Upload& upload);

    /// At start, for every host with Titan enabled: removes the temporary files that an upload
    /// cut short (a crash, a kill) left in its upload directories and the state file's, and makes
    /// the state file's directory. Logs what it removed.
    static void prepare_directories(const config::Config& config);

private:
    site::Reply publish_or_throw(const site::Upload& upload);

    const config::Config& config_;
    Install install_;
    Expect expect_;
    Current current_;
};

}  // namespace kapsel::server
