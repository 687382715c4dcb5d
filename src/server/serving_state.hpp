#pragma once
/// What the server serves, and how it is loaded from a configuration: every host's capsule
/// (in parallel), every host's certificate (made at first start, reloaded when its files
/// change), and the settings a reload cannot change. Used at start and by each reload.

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/tls_hosts.hpp"
#include "site/site.hpp"

namespace kapsel::server {

/// Every host's capsule loaded (in parallel) into a Site, one of them changed by `edit` (an
/// upload, built before it is written). Throws (SourceError, ConfigError) for the first host that
/// fails: then nothing of the new state is used. `previous`, the Site a reload replaces, lends
/// each host (by its first name) what did not change; with `changes` (a watcher's), only what
/// they name is read from disk again (capsule::load_capsules).
std::shared_ptr<const site::Site> load_site(const config::Config& config, const capsule::HostEdit* edit = nullptr,
                                            const site::Site* previous = nullptr,
                                            const capsule::DiskChanges* changes = nullptr);

/// Makes each host's self-signed certificate (and key) where missing, logging what it made and
/// every host's fingerprint. Throws naming the file when one cannot be made.
void ensure_certificates(const config::Config& config);

/// The TLS options every host's context shares: client certificates when `config` has a zone;
/// `session_tickets` (what the server started with: tickets are restart-only) and `keys`.
net::TlsOptions tls_options(const config::Config& config, unsigned session_tickets, net::TicketKeys* keys);

/// Every host's TLS context; see net::TlsHosts::load. Logs the fingerprint of every host whose
/// certificate is new in this load, and warns for each host that kept its previous pair.
std::shared_ptr<const net::TlsHosts> load_tls(const config::Config& config, const net::TlsOptions& options,
                                              const net::TlsHosts* previous);

/// The settings of `before` a reload to `after` cannot apply (listeners, threads, limits, the
/// account, logging, ticket settings), by their keys; empty when none changed.
std::vector<std::string> restart_only_changes(const config::Config& before, const config::Config& after);

/// What `systemctl status` shows beside the unit: hosts, resources, entries.
std::string status_line(const site::Site& site);

/// What Landlock must let a reload read: the configuration's directory, each capsule root's
/// parent (so a capsule swapped in by rename is still readable; the root alone when the parent
/// is "/"), each host's certificate and key, Debian's MIME table, the resolver's files in /etc
/// (for feed.notify), /proc/self.
std::vector<std::filesystem::path> readable_paths(const config::Config& config);

}  // namespace kapsel::server
