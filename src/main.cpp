// kapsel's command line: serve, check, feed, export, ticket-keys. Nothing else lives here.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "capsule/capsule.hpp"
#include "config/config.hpp"
#include "net/session_tickets.hpp"
#include "server/mirror_export.hpp"
#include "server/preflight.hpp"
#include "server/server.hpp"
#include "text/ascii.hpp"
#include "version.hpp"

namespace {

constexpr int exit_invalid = 2;

int check(const std::filesystem::path& file) {
    const auto config = kapsel::config::load_config(file);
    kapsel::server::preflight(config);  // what serve would refuse at start, refused here first
    const auto capsules = kapsel::capsule::load_capsules(config);
    for (std::size_t i = 0; i < capsules.size(); ++i) {
        const auto& host = config.hosts[i];
        std::string names;
        for (const auto& n : host.names) names += (names.empty() ? "" : ", ") + n;
        for (const auto& warning : capsules[i]->warnings()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
        std::printf("%s: OK: capsule %s, %zu resources, %zu feed entries, hosts %s\n", file.c_str(), host.root.c_str(),
                    capsules[i]->size(), capsules[i]->entry_count(), names.c_str());
    }
    return 0;
}

// The default host's web mirror, written once into `dir` (its [web] base_url for the links).
int export_mirror(const std::filesystem::path& file, const std::filesystem::path& dir) {
    auto config = kapsel::config::load_config(file);
    auto& host = config.hosts.front();
    if (!host.web)
        throw kapsel::config::ConfigError(file.string(), 0, 0,
                                          "the default host has no [web] table: its base_url says where the mirror "
                                          "is served");
    host.web->export_dir = std::filesystem::absolute(dir).lexically_normal();
    const auto config_dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    if (const auto problem = kapsel::config::export_dir_problem(host.web->export_dir, host.root, config_dir))
        throw std::invalid_argument("kapsel export: " + *problem);
    const auto capsule = kapsel::capsule::load_capsule(host, config);
    for (const auto& warning : capsule->warnings()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
    kapsel::server::MirrorExport mirror(host.web->export_dir);
    const auto stats = mirror.write(capsule->mirror());
    std::printf("%s: %zu files written, %zu unchanged, %zu removed\n", host.web->export_dir.c_str(), stats.written,
                stats.unchanged, stats.removed);
    return 0;
}

int feed(const std::filesystem::path& file, std::string host) {
    const auto config = kapsel::config::load_config(file);
    if (host.empty()) host = config.hosts.front().names.front();
    kapsel::text::lower_in_place(host);
    for (const auto& h : config.hosts) {
        if (std::find(h.names.begin(), h.names.end(), host) == h.names.end()) continue;
        const auto capsule = kapsel::capsule::load_capsule(h, config);
        const auto body = capsule->find(host, "/atom.xml")->body();
        std::fwrite(body.data(), 1, body.size(), stdout);
        return std::fflush(stdout) == 0 ? 0 : 1;
    }
    std::fprintf(stderr, "%s: '%s' is not a name of any host\n", file.c_str(), host.c_str());
    return exit_invalid;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"kapsel - a Gemini server that syndicates plain-text writing"};
    app.set_version_flag("--version", std::string("kapsel ") + kapsel::version);
    app.require_subcommand(1);

    kapsel::server::ServeOptions serve_options;
    auto* serve = app.add_subcommand("serve", "Run the server");
    serve->add_option("-c,--config", serve_options.config_file, "Configuration file")->capture_default_str();
    serve->add_option("--listen", serve_options.listen, "ADDR:PORT to listen on, replacing server.listen (repeatable)");

    std::filesystem::path check_file{"server.toml"};
    auto* check_cmd = app.add_subcommand("check", "Validate the configuration and the capsule, then exit");
    check_cmd->add_option("-c,--config", check_file, "Configuration file")->capture_default_str();

    std::filesystem::path feed_file{"server.toml"};
    std::string feed_host;
    auto* feed_cmd = app.add_subcommand("feed", "Print the Atom feed exactly as it is served");
    feed_cmd->add_option("-c,--config", feed_file, "Configuration file")->capture_default_str();
    feed_cmd->add_option("--host", feed_host, "Served hostname whose URLs the feed uses (default: the first)");

    std::filesystem::path export_file{"server.toml"}, export_dir;
    auto* export_cmd = app.add_subcommand("export", "Write the default host's web mirror into DIR, then exit");
    export_cmd->add_option("-c,--config", export_file, "Configuration file")->capture_default_str();
    export_cmd->add_option("DIR", export_dir, "Where the mirror goes (replacing [web] export_dir)")->required();

    std::filesystem::path ticket_file;
    auto* tickets_cmd = app.add_subcommand("ticket-keys", "Manage a session-ticket key file (tls.ticket_key_file)");
    tickets_cmd->require_subcommand(1);
    auto* rotate_cmd = tickets_cmd->add_subcommand(
        "rotate", "Put a new key first and keep the newest 3; servers pick it up on SIGHUP");
    rotate_cmd->add_option("FILE", ticket_file, "The key file (created when missing)")->required();

    CLI11_PARSE(app, argc, argv);

    try {
        if (*serve) return kapsel::server::serve(serve_options);
        if (*check_cmd) return check(check_file);
        if (*feed_cmd) return feed(feed_file, feed_host);
        if (*export_cmd) return export_mirror(export_file, export_dir);
        if (*rotate_cmd) {
            const std::size_t keys = kapsel::net::TicketKeys::rotate_key_file(ticket_file);
            std::printf("%s: %zu key%s, the new one first\n", ticket_file.c_str(), keys, keys == 1 ? "" : "s");
            return 0;
        }
    } catch (const kapsel::config::ConfigError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return exit_invalid;
    } catch (const kapsel::capsule::SourceError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return exit_invalid;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kapsel: %s\n", e.what());
        return exit_invalid;
    }
    return 0;
}
