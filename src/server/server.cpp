#include "server/server.hpp"

#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <map>
#include <thread>

#include "net/listener.hpp"
#include "net/session_tickets.hpp"
#include "net/tls_context.hpp"
#include "net/worker.hpp"
#include "server/capsule_watch.hpp"
#include "server/feed_notifier.hpp"
#include "server/logging.hpp"
#include "server/mirror_export.hpp"
#include "server/preflight.hpp"
#include "server/privileges.hpp"
#include "server/publisher.hpp"
#include "server/service_notify.hpp"
#include "server/serving_state.hpp"
#include "version.hpp"

namespace kapsel::server {
namespace {

config::Config read_config(const ServeOptions& options) {
    auto config = config::load_config(options.config_file);
    if (!options.listen.empty()) {
        config.server.listen.clear();
        for (const auto& text : options.listen) {
            try {
                config.server.listen.push_back(config::parse_listen_address(text));
            } catch (const std::invalid_argument& e) {
                throw config::ConfigError("--listen", 0, 0, e.what());
            }
        }
    }
    return config;
}

long long milliseconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

bool is_ipv6_wildcard(const config::ListenAddress& a) { return a.host == "::"; }

std::filesystem::path directory_of(const std::filesystem::path& file) {
    return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

/// What the watcher follows: every capsule, server.toml, every certificate and key.
WatchList watch_list(const config::Config& config) {
    WatchList w;
    w.files.push_back(config.file);
    for (const auto& host : config.hosts) {
        w.trees.push_back(host.root);
        w.files.push_back(host.certificate);
        w.files.push_back(host.key);
    }
    if (config.tls.ticket_key_file) w.files.push_back(*config.tls.ticket_key_file);
    return w;
}

/// Everything that lives while the server runs, torn down in reverse order.
class RunningServer {
public:
    RunningServer(const ServeOptions& options, config::Config config)
        : options_(options), config_(std::move(config)) {}

    int run();

private:
    void reload(const char* why, const capsule::DiskChanges& changes = {});
    bool reload_now(const char* why, const capsule::DiskChanges& changes);
    void shut_down();
    void finish_when_quiet(std::chrono::steady_clock::time_point give_up);
    void listen();
    void forget_idle_clients();
    void export_mirrors(const config::Config& config, const site::Site& site);
    void notify_aggregators(const config::Config& fresh, const site::Site& site);
    void install_upload(std::shared_ptr<const site::Site> site);

    const ServeOptions& options_;
    config::Config config_;
    asio::io_context control_{1};
    std::unique_ptr<net::TicketKeys> ticket_keys_;
    std::shared_ptr<const net::TlsHosts> tls_;
    std::unique_ptr<net::SharedState> shared_;
    std::vector<std::unique_ptr<net::Worker>> workers_;
    std::vector<std::unique_ptr<net::Listener>> listeners_;
    asio::signal_set signals_{control_, SIGINT, SIGTERM, SIGHUP};
    asio::steady_timer shutdown_timer_{control_};
    asio::steady_timer housekeeping_timer_{control_};
    std::unique_ptr<CapsuleWatch> watch_;
    std::map<std::filesystem::path, MirrorExport> mirrors_;  // export directory → its writer
    std::shared_ptr<const site::Site> site_;                 // what the workers serve now
    std::unique_ptr<FeedNotifier> notifier_;                 // made at the first notice
    std::unique_ptr<Publisher> publisher_;                  // uploads, on control_'s thread
    ServiceNotify notify_;
    bool stopping_ = false;
};

void RunningServer::listen() {
    for (const auto& address : config_.server.listen) {
        try {
            listeners_.push_back(std::make_unique<net::Listener>(workers_.front()->context(), address));
        } catch (const std::system_error& e) {
            const auto code = e.code();
            if (is_ipv6_wildcard(address) &&
                (code == asio::error::address_family_not_supported || code.value() == EADDRNOTAVAIL)) {
                spdlog::warn("{}: IPv6 is not available on this host ({}); skipped", address.to_string(),
                             code.message());
                continue;
            }
            throw std::runtime_error(std::string(e.what()));
        }
    }
}

int RunningServer::run() {
    const auto& s = config_.server;

    // Load everything before binding anything: a broken capsule never half-starts.
    auto site = load_site(config_);
    site_ = site;
    for (std::size_t i = 0; i < site->hosts().size(); ++i) {
        const auto& host = site->hosts()[i];
        spdlog::info("kapsel {} loaded {} for {}: {} resources, {} feed entries", kapsel::version,
                     config_.hosts[i].root.string(), host.names.front(), host.capsule->size(),
                     host.capsule->entry_count());
    }
    ensure_certificates(config_);
    if (config_.tls.session_tickets > 0) ticket_keys_ = std::make_unique<net::TicketKeys>(config_.tls.ticket_key_file);
    tls_ = load_tls(config_, tls_options(config_, config_.tls.session_tickets, ticket_keys_.get()), nullptr);
    const std::string groups = tls_options(config_, 0, nullptr).groups;
    spdlog::info("TLS key exchange groups: {}", groups.empty() ? net::default_groups() : groups);

    const std::uint64_t wanted_fds = static_cast<std::uint64_t>(s.max_connections) * 2 + 64;
    if (const auto got = raise_descriptor_limit(wanted_fds); got < wanted_fds)
        spdlog::warn("descriptor limit is {}, below the {} that max_connections = {} needs", got, wanted_fds,
                     s.max_connections);

    shared_ = std::make_unique<net::SharedState>(net::Limits{s.request_timeout, s.response_timeout}, s.max_connections,
                                                 s.max_connections_per_address, s.rate_limit_per_second,
                                                 s.rate_limit_burst);
    // Uploads are published on this thread, one after another and between reloads, so the
    // workers never wait for a build.
    publisher_ = std::make_unique<Publisher>(
        config_, [this](std::shared_ptr<const site::Site> site) { install_upload(std::move(site)); },
        [this](const std::filesystem::path& file) {
            if (watch_) watch_->expect(file);
        },
        [this] { return site_; });
    shared_->publish = [this](site::Upload upload, std::function<void(site::Reply)> done) {
        asio::post(control_, [this, upload = std::move(upload), done = std::move(done)] { done(publisher_->publish(upload)); });
    };

    const unsigned count = s.workers ? s.workers : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < count; ++i) workers_.push_back(std::make_unique<net::Worker>(*shared_, site, tls_));

    listen();
    if (listeners_.empty()) throw std::runtime_error("no listener could be bound");

    if (auto line = drop_privileges(s.user, s.group, s.allow_root); !line.empty()) spdlog::info("{}", line);
    // Opened as the account that serves, as every reopen after a rotation will be: what works
    // now keeps working. The workers alone hold it, so a rotated file closes when they let go.
    if (auto access_log = make_access_log(config_.log.access_log))
        for (auto& w : workers_) w->set_access_log(access_log);
    std::vector<std::filesystem::path> writable;  // where a reopened access log goes
    if (config_.log.access_log.kind == config::AccessLogTarget::Kind::file)
        writable.push_back(directory_of(config_.log.access_log.file));
    std::vector<std::filesystem::path> trees;  // what kapsel may write below: the web mirrors
    for (const auto& host : config_.hosts)
        if (host.web) {
            std::filesystem::create_directories(host.web->export_dir);
            trees.push_back(host.web->export_dir);
        }
    // Where uploads write, only where Titan is on: its directories and the state file's (made
    // now, by the serving account), after the temporary files of a crash are removed.
    Publisher::prepare_directories(config_);
    std::vector<std::filesystem::path> replaceable;
    for (const auto& host : config_.hosts) {
        if (!host.titan.enabled) continue;
        for (const auto& rel : host.titan.paths) replaceable.push_back(host.root / rel);
        replaceable.push_back(host.titan.state_file.parent_path());
    }
    spdlog::info("{}", restrict_file_access(readable_paths(config_), writable, trees, replaceable));
    export_mirrors(config_, *site);

    for (auto& w : workers_) w->start();
    for (auto& l : listeners_) {
        l->start(workers_);
        const auto ep = l->endpoint();
        spdlog::info("listening on {}", ep.address().is_v6() ? "[" + ep.address().to_string() + "]:" + std::to_string(ep.port())
                                                              : ep.address().to_string() + ":" + std::to_string(ep.port()));
    }
    if (config_.watch) {
        watch_ = std::make_unique<CapsuleWatch>(control_, watch_list(config_), std::chrono::milliseconds(10),
                                                std::chrono::milliseconds(300),
                                                [this](capsule::DiskChanges changes) { reload("a file changed", changes); });
        if (watch_->active()) spdlog::info("watching {} and the capsules for changes", config_.file.string());
    }
    spdlog::info("serving gemini://{}/ with {} worker thread{}", config_.hosts.front().names.front(), count,
                 count == 1 ? "" : "s");
    notify_.ready(status_line(*site));

    std::function<void(const asio::error_code&, int)> on_signal = [&](const asio::error_code& ec, int signo) {
        if (ec) return;
        if (signo == SIGHUP) {
            reload("SIGHUP");
            signals_.async_wait(on_signal);
            return;
        }
        if (stopping_) {
            spdlog::info("second signal: stopping now");
            for (auto& w : workers_) w->stop();
            control_.stop();
            return;
        }
        spdlog::info("{}: stopping; in-flight responses get {} ms", signo == SIGINT ? "SIGINT" : "SIGTERM",
                     config_.server.shutdown_grace.count());
        shut_down();
        signals_.async_wait(on_signal);
    };
    signals_.async_wait(on_signal);
    forget_idle_clients();

    control_.run();

    for (auto& w : workers_) w->stop();
    for (auto& w : workers_) w->join();
    spdlog::info("stopped after {} requests", shared_->requests.load());
    return 0;
}

void RunningServer::shut_down() {
    stopping_ = true;
    notify_.stopping();
    // Acceptors belong to the first worker's thread: close them there.
    asio::post(workers_.front()->context(), [this] {
        for (auto& l : listeners_) l->close();
    });
    for (auto& w : workers_) w->close_idle();
    finish_when_quiet(std::chrono::steady_clock::now() + config_.server.shutdown_grace);
}

void RunningServer::finish_when_quiet(std::chrono::steady_clock::time_point give_up) {
    std::uint32_t live = 0;
    for (auto& w : workers_) live += w->live();
    if (live == 0 || std::chrono::steady_clock::now() >= give_up) {
        if (live) spdlog::warn("grace period over: cutting {} connection{}", live, live == 1 ? "" : "s");
        signals_.cancel();
        housekeeping_timer_.cancel();
        if (watch_) watch_->stop();
        control_.stop();
        return;
    }
    shutdown_timer_.expires_after(std::chrono::milliseconds(20));
    shutdown_timer_.async_wait([this, give_up](const asio::error_code& ec) {
        if (!ec) finish_when_quiet(give_up);
    });
}

// Rate-limit buckets of clients that went quiet are dropped, so memory follows the clients
// active now, not every address ever seen.
void RunningServer::forget_idle_clients() {
    if (!shared_->rate_limiter.enabled()) return;
    housekeeping_timer_.expires_after(std::chrono::seconds(30));
    housekeeping_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;
        shared_->rate_limiter.forget_idle(std::chrono::steady_clock::now());
        forget_idle_clients();
    });
}

// Each host's web mirror, written after every load that succeeded (never after one that failed:
// the mirror then stays exactly as it was).
void RunningServer::export_mirrors(const config::Config& config, const site::Site& site) {
    for (std::size_t i = 0; i < config.hosts.size(); ++i) {
        const auto& web = config.hosts[i].web;
        if (!web) continue;
        auto& mirror = mirrors_.try_emplace(web->export_dir, web->export_dir).first->second;
        try {
            const auto started = std::chrono::steady_clock::now();
            const auto stats = mirror.write(site.hosts()[i].capsule->mirror());
            spdlog::info("web mirror {}: {} written, {} unchanged, {} removed in {} ms", web->export_dir.string(),
                         stats.written, stats.unchanged, stats.removed, milliseconds_since(started));
        } catch (const std::exception& e) {
            spdlog::error("web mirror not fully written: {}", e.what());
        }
    }
}

// feed.notify: after a reload or an upload, the aggregators of every feed whose entries changed. A start
// is the baseline and tells no one (see README, "Telling aggregators").
void RunningServer::notify_aggregators(const config::Config& fresh, const site::Site& site) {
    std::vector<std::vector<std::string>> notify;
    for (const auto& host : fresh.hosts) notify.push_back(host.feed.notify);
    auto notices = site::feed_notices(*site_, site, notify, fresh.server.public_port);
    if (notices.empty()) return;
    if (!notifier_) notifier_ = std::make_unique<FeedNotifier>();
    notifier_->announce(std::move(notices));
}

// A site with an upload in it, built by the publisher from the current configuration: served
// by every worker (each gets it before the upload's answer, posted after it, can reach a
// client), and its web mirror written, before the publisher answers; aggregators are told after.
void RunningServer::install_upload(std::shared_ptr<const site::Site> site) {
    for (auto& w : workers_) w->set_site(site);
    export_mirrors(config_, *site);
    notify_aggregators(config_, *site);
    site_ = site;
    notify_.ready(status_line(*site));
}

// `changes`: what the watcher saw change since the last reload (a SIGHUP's: everything). The
// watcher stays on meanwhile (directories made are watched as they appear), so a change made
// while the reload reads is seen and asks for the next one.
void RunningServer::reload(const char* why, const capsule::DiskChanges& changes) {
    notify_.reloading();
    if (watch_ && changes.everything) watch_->forget_pending();  // a pending watcher reload would read nothing new
    const WatchList before = watch_list(config_);
    // A reload that fails read none of it: the next one reads it again.
    if (!reload_now(why, changes) && watch_) watch_->give_back(changes);
    if (watch_ && !(watch_list(config_) == before)) watch_->rewatch(watch_list(config_));
}

bool RunningServer::reload_now(const char* why, const capsule::DiskChanges& changes) {
    spdlog::info("{}: reloading {}", why, options_.config_file.string());
    const auto started = std::chrono::steady_clock::now();
    // Reopen the access log first (same place: moving it needs a restart), so a rotated file
    // is let go and a new one started whatever becomes of the capsule's reload.
    try {
        if (auto access_log = make_access_log(config_.log.access_log))
            for (auto& w : workers_) w->set_access_log(access_log);
    } catch (const std::exception& e) {
        spdlog::warn("access log not reopened, still writing the old one: {}", e.what());
    }
    // Ticket keys rotated by `kapsel ticket-keys rotate` (on every replica's shared file).
    try {
        if (ticket_keys_ && config_.tls.ticket_key_file)
            spdlog::info("session-ticket keys: {} from {}", ticket_keys_->reload(), config_.tls.ticket_key_file->string());
    } catch (const std::exception& e) {
        spdlog::warn("session-ticket keys not reloaded, the old ones stay: {}", e.what());
    }
    try {
        auto fresh = read_config(options_);
        auto site = load_site(fresh, nullptr, site_.get(), &changes);
        // Certificates: new handshakes get a changed one; a broken pair keeps the old one.
        auto tls = load_tls(fresh, tls_options(fresh, config_.tls.session_tickets, ticket_keys_.get()), tls_.get());
        for (auto& w : workers_) {
            w->set_tls(tls);
            w->set_site(site);
        }
        tls_ = std::move(tls);
        if (const auto ignored = restart_only_changes(config_, fresh); !ignored.empty()) {
            std::string keys;
            for (const auto& k : ignored) keys += (keys.empty() ? "" : ", ") + k;
            spdlog::warn("changed but applied only on restart: {}", keys);
        }
        std::size_t resources = 0, entries = 0;
        for (const auto& h : site->hosts()) {
            resources += h.capsule->size();
            entries += h.capsule->entry_count();
        }
        spdlog::info("reloaded: {} resources, {} feed entries in {} ms", resources, entries, milliseconds_since(started));
        export_mirrors(fresh, *site);
        notify_aggregators(fresh, *site);
        site_ = site;
        notify_.ready(status_line(*site));
        config_.hosts = fresh.hosts;
        config_.server.public_port = fresh.server.public_port;
        return true;
    } catch (const std::exception& e) {
        spdlog::error("reload failed, still serving the previous capsule: {}", e.what());
        notify_.ready("reload failed, still serving the previous capsule: " + std::string(e.what()));
        return false;
    }
}

}  // namespace

int serve(const ServeOptions& options) {
    // A peer that resets a connection must cost that connection an EPIPE, not the process:
    // the socket BIO sends with MSG_NOSIGNAL, but other writes (a notification client, a
    // closed stdout) would still raise SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    auto config = read_config(options);
    preflight(config);
    configure_diagnostics(config.log.level);
    RunningServer server(options, std::move(config));
    return server.run();
}

}  // namespace kapsel::server
