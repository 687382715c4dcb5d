#include "config/config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using kapsel::config::ConfigError;
using kapsel::config::parse_config;
using kapsel::config::parse_listen_address;

namespace {

TEST(Config, EmptyFileGivesDocumentedDefaults) {
    const auto c = parse_config("", "/etc/kapsel/server.toml");
    ASSERT_EQ(c.server.listen.size(), 2u);
    EXPECT_EQ(c.server.listen[0].to_string(), "0.0.0.0:1965");
    EXPECT_EQ(c.server.listen[1].to_string(), "[::]:1965");
    EXPECT_EQ(c.hosts[0].names, std::vector<std::string>{"localhost"});
    EXPECT_EQ(c.server.request_timeout.count(), 10'000);
    EXPECT_EQ(c.server.response_timeout.count(), 30'000);
    EXPECT_EQ(c.server.workers, 0u);
    EXPECT_EQ(c.hosts[0].lang, "sv");
    EXPECT_TRUE(c.watch);
    EXPECT_EQ(c.hosts[0].root, "/etc/kapsel/capsule");
    EXPECT_EQ(c.hosts[0].certificate, "/etc/kapsel/certs/cert.pem");
    EXPECT_EQ(c.hosts[0].key, "/etc/kapsel/certs/key.pem");
    EXPECT_FALSE(c.server.public_port.has_value());
    EXPECT_EQ(c.log.access_log.kind, kapsel::config::AccessLogTarget::Kind::standard_error);
}

TEST(Config, ReadsEveryKey) {
    const auto c = parse_config(R"(
[server]
listen = ["127.0.0.1:1966", "[::1]:0"]
hostnames = ["Example.ORG.", "localhost"]
public_port = 443
request_timeout = 2.5
response_timeout = 60
shutdown_grace = 1
max_connections = 10
max_connections_per_address = 3
workers = 2
rate_limit_per_second = 5
rate_limit_burst = 10
user = "nobody"
group = "nogroup"
allow_root = true
[tls]
certificate = "/tmp/c.pem"
key = "k.pem"
ticket_key_file = "tickets.key"
session_tickets = 2
[capsule]
root = "/srv/gemini"
lang = "en-GB"
watch = false
[feed]
title = "T"
subtitle = "S"
authority = "example.org,2023"
author = "A"
paths = ["/artiklar/", "anteckningar"]
max_entries = 7
[log]
level = "debug"
access_log = "access.log"
)", "/etc/kapsel/server.toml");
    ASSERT_EQ(c.server.listen.size(), 2u);
    EXPECT_EQ(c.server.listen[1].host, "::1");
    EXPECT_EQ(c.server.listen[1].port, 0);
    EXPECT_EQ(c.hosts[0].names, (std::vector<std::string>{"example.org", "localhost"}));
    EXPECT_EQ(c.server.public_port, 443);
    EXPECT_EQ(c.server.request_timeout.count(), 2500);
    EXPECT_EQ(c.server.shutdown_grace.count(), 1000);
    EXPECT_EQ(c.server.response_timeout.count(), 60'000);
    EXPECT_EQ(c.server.max_connections, 10u);
    EXPECT_EQ(c.server.max_connections_per_address, 3u);
    EXPECT_EQ(c.server.workers, 2u);
    EXPECT_DOUBLE_EQ(c.server.rate_limit_per_second, 5);
    EXPECT_EQ(c.server.user, "nobody");
    EXPECT_TRUE(c.server.allow_root);
    EXPECT_EQ(c.hosts[0].certificate, "/tmp/c.pem");
    EXPECT_EQ(c.hosts[0].key, "/etc/kapsel/k.pem");
    EXPECT_EQ(c.tls.ticket_key_file, "/etc/kapsel/tickets.key");
    EXPECT_EQ(c.tls.session_tickets, 2u);
    EXPECT_EQ(c.hosts[0].root, "/srv/gemini");
    EXPECT_EQ(c.hosts[0].lang, "en-GB");
    EXPECT_FALSE(c.watch);
    EXPECT_EQ(c.hosts[0].feed.paths, (std::vector<std::string>{"artiklar", "anteckningar"}));
    EXPECT_EQ(c.hosts[0].feed.max_entries, 7u);
    EXPECT_EQ(c.log.level, "debug");
    EXPECT_EQ(c.log.access_log.file, "/etc/kapsel/access.log");
}

struct ErrorCase {
    const char* name;
    const char* text;
    int line;
    int column;
    const char* message_part;
};

class ConfigErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrors, NameFileLineColumnAndProblem) {
    const auto& p = GetParam();
    try {
        parse_config(p.text, "conf/server.toml");
        FAIL() << "accepted: " << p.text;
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file(), "conf/server.toml");
        EXPECT_EQ(e.line(), p.line) << e.what();
        if (p.column > 0) {
            EXPECT_EQ(e.column(), p.column) << e.what();
        }
        EXPECT_NE(std::string(e.what()).find(p.message_part), std::string::npos) << e.what();
        const std::string prefix = "conf/server.toml:" + std::to_string(p.line) + ":";
        EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(Table, ConfigErrors, testing::Values(
    ErrorCase{"syntax", "[server]\nlisten = [\"x\"\n", 2, 0, "end-of-file"},
    ErrorCase{"unknown_top", "\n\n[servre]\nx = 1\n", 3, 0, "unknown key 'servre'"},
    ErrorCase{"unknown_key", "[server]\nlisten = [\"127.0.0.1:1\"]\nworkerz = 2\n", 3, 1, "unknown key 'server.workerz'"},
    ErrorCase{"wrong_type", "[server]\nworkers = \"two\"\n", 2, 11, "server.workers must be an integer"},
    ErrorCase{"negative", "[server]\n\nmax_connections = -1\n", 3, 19, "between 1 and"},
    ErrorCase{"timeout_range", "[server]\nrequest_timeout = 0\n", 2, 19, "server.request_timeout must be between"},
    ErrorCase{"bad_listen", "[server]\nlisten = [\"127.0.0.1\"]\n", 2, 11, "is not ADDRESS:PORT"},
    ErrorCase{"bad_port", "[server]\nlisten = [\"127.0.0.1:70000\"]\n", 2, 11, "out of range"},
    ErrorCase{"group_name", "[tls]\ngroups = [\"X25519\", \"P 256\"]\n", 2, 21, "\"P 256\" is not a key exchange group name"},
    ErrorCase{"group_twice", "[tls]\ngroups = [\"X25519\", \"X25519\"]\n", 2, 21, "\"X25519\" is listed twice"},
    ErrorCase{"groups_empty", "[tls]\ngroups = []\n", 2, 10, "tls.groups needs at least one group"},
    ErrorCase{"listen_name", "[server]\nlisten = [\"localhost:1965\"]\n", 2, 11, "'localhost' is not an IP address"},
    ErrorCase{"listen_twice", "[server]\nlisten = [\"127.0.0.1:1965\", \"127.0.0.1:1965\"]\n", 2, 29,
              "127.0.0.1:1965 overlaps 127.0.0.1:1965"},
    ErrorCase{"listen_overlap", "[server]\nlisten = [\"[::]:1965\", \"[::1]:1965\"]\n", 2, 24, "overlaps [::]:1965"},
    ErrorCase{"empty_listen", "[server]\nlisten = []\n", 2, 10, "at least one address"},
    ErrorCase{"bad_hostname", "[server]\nhostnames = [\"a b\"]\n", 2, 14, "not a valid hostname"},
    ErrorCase{"hostname_two_dots", "[server]\nhostnames = [\"ok\", \"ale..\"]\n", 2, 20, "an empty label"},
    ErrorCase{"hostname_dots", "[server]\nhostnames = [\"..\"]\n", 2, 14, "an empty label"},
    ErrorCase{"server_not_table", "server = 1\n", 1, 10, "must be a table"},
    ErrorCase{"lang", "[capsule]\nlang = \"s v\"\n", 2, 8, "BCP 47"},
    ErrorCase{"authority", "[feed]\nauthority = \"example.org\"\n", 2, 13, "RFC 4151"},
    ErrorCase{"log_level", "[log]\nlevel = \"loud\"\n", 2, 9, "log.level must be one of"},
    ErrorCase{"feed_path_escape", "[feed]\npaths = [\"../etc\"]\n", 2, 10, "inside the capsule"},
    ErrorCase{"strings_only", "[feed]\npaths = [1]\n", 2, 10, "only strings"},
    ErrorCase{"bool", "[server]\nallow_root = \"yes\"\n", 2, 14, "true or false"},
    ErrorCase{"public_port", "[server]\npublic_port = 0\n", 2, 15, "between 1 and 65535"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

TEST(ListenAddress, WildcardsOfBothFamiliesAndEphemeralPortsCoexist) {
    const auto c = parse_config("[server]\nlisten = [\"0.0.0.0:1965\", \"[::]:1965\", \"127.0.0.1:0\", \"127.0.0.1:0\"]\n",
                                "server.toml");
    EXPECT_EQ(c.server.listen.size(), 4u);
}

TEST(Config, RemembersWhereKeysWereWritten) {
    const auto c = parse_config("[server]\n\nuser = \"nobody\"\n[log]\naccess_log = \"off\"\n", "conf/server.toml");
    EXPECT_EQ(c.positions.at("server.user").line, 3);
    EXPECT_EQ(c.positions.at("server.user").column, 8);
    EXPECT_EQ(c.log.access_log.kind, kapsel::config::AccessLogTarget::Kind::off);
    const auto e = c.error_at("server.user", "no such user");
    EXPECT_STREQ(e.what(), "conf/server.toml:3:8: no such user");
    EXPECT_STREQ(c.error_at("tls.key", "x").what(), "conf/server.toml: x");
}

TEST(ListenAddress, ParsesBothFamilies) {
    EXPECT_EQ(parse_listen_address("[::]:1965").host, "::");
    EXPECT_EQ(parse_listen_address("0.0.0.0:0").port, 0);
    EXPECT_THROW(parse_listen_address("::1:1965"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address("[::1]1965"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address(":1965"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address("1.2.3.4:"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address("1.2.3.4:12a"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address("localhost:1965"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address("1.2.3:1965"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address("[fe80::1%eth0]:1965"), std::invalid_argument);
}

TEST(Config, MissingFileIsAnErrorNamingIt) {
    try {
        kapsel::config::load_config("/nonexistent/kapsel.toml");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), "/nonexistent/kapsel.toml: cannot read the configuration file");
    }
}

}  // namespace

namespace {

TEST(Hosts, TheSingleHostFormDescribesOneHostAsBefore) {
    const auto c = parse_config(R"(
[server]
hostnames = ["Kapsel.Example", "alias.example"]
[capsule]
root = "site"
lang = "en"
[tls]
certificate = "c.pem"
key = "k.pem"
[feed]
authority = "kapsel.example,2024"
)", "/etc/kapsel/server.toml");
    ASSERT_EQ(c.hosts.size(), 1u);
    const auto& h = c.hosts[0];
    EXPECT_EQ(h.names, (std::vector<std::string>{"kapsel.example", "alias.example"}));
    EXPECT_EQ(h.root, "/etc/kapsel/site");
    EXPECT_EQ(h.lang, "en");
    EXPECT_EQ(h.certificate, "/etc/kapsel/c.pem");
    EXPECT_EQ(h.key, "/etc/kapsel/k.pem");
    EXPECT_EQ(h.feed.authority, "kapsel.example,2024");
    EXPECT_EQ(h.feed.title, "kapsel.example");
    EXPECT_EQ(h.table, "");
    EXPECT_EQ(h.key_name("root"), "capsule.root");
    EXPECT_EQ(h.key_name("names"), "server.hostnames");
    EXPECT_EQ(h.key_name("certificate"), "tls.certificate");
    EXPECT_EQ(c.positions.at("capsule.root").line, 5);
}

TEST(Hosts, SeveralHostsEachWithItsOwnCapsuleCertificateAndFeed) {
    const auto c = parse_config(R"(
[capsule]
watch = false

[[host]]
names = ["a.example", "www.a.example"]
root = "a"

[host.feed]
title = "A"
paths = ["artiklar"]

[[host]]
names = ["b.example"]
root = "/srv/b"
lang = "en"
certificate = "/etc/ssl/b.pem"
key = "/etc/ssl/b.key"
)", "/etc/kapsel/server.toml");
    ASSERT_EQ(c.hosts.size(), 2u);
    EXPECT_FALSE(c.watch);
    const auto& a = c.hosts[0];
    EXPECT_EQ(a.names, (std::vector<std::string>{"a.example", "www.a.example"}));
    EXPECT_EQ(a.root, "/etc/kapsel/a");
    EXPECT_EQ(a.lang, "sv");
    EXPECT_EQ(a.certificate, "/etc/kapsel/certs/a.example/cert.pem");  // each its own pair by default
    EXPECT_EQ(a.key, "/etc/kapsel/certs/a.example/key.pem");
    EXPECT_EQ(a.feed.title, "A");
    EXPECT_EQ(a.feed.authority, "a.example,2023");
    EXPECT_EQ(a.feed.paths, std::vector<std::string>{"artiklar"});
    EXPECT_EQ(a.key_name("root"), "host[0].root");
    const auto& b = c.hosts[1];
    EXPECT_EQ(b.root, "/srv/b");
    EXPECT_EQ(b.lang, "en");
    EXPECT_EQ(b.certificate, "/etc/ssl/b.pem");
    EXPECT_EQ(b.feed.title, "b.example");
    EXPECT_EQ(c.positions.at("host[1].root").line, 15);
}

INSTANTIATE_TEST_SUITE_P(HostErrors, ConfigErrors, testing::Values(
    ErrorCase{"hostnames_with_hosts", "[server]\nhostnames = [\"a\"]\n[[host]]\nnames = [\"b\"]\nroot = \"b\"\n", 2, 13,
              "with [[host]] tables, each host's names"},
    ErrorCase{"root_with_hosts", "[capsule]\nroot = \"x\"\n[[host]]\nnames = [\"b\"]\nroot = \"b\"\n", 2, 8,
              "with [[host]] tables, each host's root"},
    ErrorCase{"cert_with_hosts", "[tls]\ncertificate = \"x\"\n[[host]]\nnames = [\"b\"]\nroot = \"b\"\n", 2, 15,
              "with [[host]] tables, each host's certificate"},
    ErrorCase{"feed_with_hosts", "[feed]\ntitle = \"x\"\n[[host]]\nnames = [\"b\"]\nroot = \"b\"\n", 1, 1,
              "each host's feed goes in [host.feed]"},
    ErrorCase{"host_without_names", "\n[[host]]\nroot = \"b\"\n", 2, 1, "[[host]] needs names"},
    ErrorCase{"host_without_root", "[[host]]\nnames = [\"b\"]\n", 1, 1, "[[host]] needs root"},
    ErrorCase{"name_twice", "[[host]]\nnames = [\"a\"]\nroot = \"a\"\n[[host]]\nnames = [\"b\", \"A.\"]\nroot = \"b\"\n", 5,
              9, "host name 'a' is already served by host[0]"},
    ErrorCase{"name_twice_in_one", "[server]\nhostnames = [\"a\", \"A\"]\n", 2, 19, "'a' is listed twice"},
    ErrorCase{"unknown_host_key", "[[host]]\nnames = [\"b\"]\nroot = \"b\"\nrooot = \"c\"\n", 4, 1,
              "unknown key 'host[0].rooot'"},
    ErrorCase{"host_lang", "[[host]]\nnames = [\"b\"]\nroot = \"b\"\nlang = \"sv,en\"\n", 4, 8, "host[0].lang must be one BCP 47"},
    ErrorCase{"host_not_array", "host = 1\n", 1, 8, "must be an array of tables"},
    ErrorCase{"listen_proxy", "[server]\nlisten = [{ address = \"127.0.0.1:1\", proxy_protocol = \"v3\" }]\n", 2, 55,
              "proxy_protocol must be"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

TEST(Listen, TablesCarryTheProxyProtocol) {
    const auto c = parse_config(
        "[server]\nlisten = [\"0.0.0.0:1965\", { address = \"127.0.0.1:1966\", proxy_protocol = \"v2\" },\n"
        "          { address = \"[::1]:1967\", proxy_protocol = \"any\" }, { address = \"127.0.0.1:1968\" }]\n",
        "server.toml");
    ASSERT_EQ(c.server.listen.size(), 4u);
    EXPECT_EQ(c.server.listen[0].proxy_protocol, kapsel::config::ProxyProtocol::off);
    EXPECT_EQ(c.server.listen[1].proxy_protocol, kapsel::config::ProxyProtocol::v2);
    EXPECT_EQ(c.server.listen[1].to_string(), "127.0.0.1:1966");
    EXPECT_EQ(c.server.listen[2].proxy_protocol, kapsel::config::ProxyProtocol::any);
    EXPECT_EQ(c.server.listen[3].proxy_protocol, kapsel::config::ProxyProtocol::off);
}

}  // namespace

namespace kapsel::config {
namespace {

constexpr const char* fingerprint = "3f:2a:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:9c";

TEST(Titan, OffByDefaultWithDocumentedValues) {
    const auto c = parse_config("", "/etc/kapsel/server.toml");
    const TitanSettings& t = c.hosts[0].titan;
    EXPECT_FALSE(t.enabled);
    EXPECT_TRUE(t.paths.empty());
    EXPECT_EQ(t.max_size, 1024u * 1024u);
    EXPECT_DOUBLE_EQ(t.min_rate, 4096);
    EXPECT_EQ(t.state_file, "/etc/kapsel/capsule/.kapsel/deleted");
}

TEST(Titan, ReadsEveryKeyInTheSingleHostForm) {
    const auto c = parse_config(std::string(R"(
[titan]
enabled = true
paths = ["/artiklar/", "blogg/2026"]
max_size = 4096
tokens = ["0123456789abcdef0123"]
allow = [")") + fingerprint + R"("]
min_rate = 100.5
state_file = "/var/lib/kapsel/deleted"
)", "/etc/kapsel/server.toml");
    const TitanSettings& t = c.hosts[0].titan;
    EXPECT_TRUE(t.enabled);
    EXPECT_EQ(t.paths, (std::vector<std::string>{"artiklar", "blogg/2026"}));
    EXPECT_EQ(t.max_size, 4096u);
    EXPECT_EQ(t.tokens, std::vector<std::string>{"0123456789abcdef0123"});
    EXPECT_EQ(t.allow, std::vector<std::string>{normalise_fingerprint(fingerprint)});
    EXPECT_DOUBLE_EQ(t.min_rate, 100.5);
    EXPECT_EQ(t.state_file, "/var/lib/kapsel/deleted");
}

TEST(Titan, EachHostHasItsOwn) {
    const auto c = parse_config(R"(
[[host]]
names = ["a.example"]
root = "a"
[host.titan]
enabled = true
paths = ["artiklar"]
tokens = ["aaaaaaaaaaaaaaaaaaaa"]

[[host]]
names = ["b.example"]
root = "/srv/b"
)", "/etc/kapsel/server.toml");
    EXPECT_TRUE(c.hosts[0].titan.enabled);
    EXPECT_EQ(c.hosts[0].titan.state_file, "/etc/kapsel/a/.kapsel/deleted");
    EXPECT_FALSE(c.hosts[1].titan.enabled);
    EXPECT_EQ(c.hosts[1].titan.state_file, "/srv/b/.kapsel/deleted");
    EXPECT_EQ(c.positions.at("host[0].titan.paths").line, 7);
}

INSTANTIATE_TEST_SUITE_P(TitanErrors, ConfigErrors, testing::Values(
    ErrorCase{"titan_needs_paths", "\n[titan]\nenabled = true\ntokens = [\"0123456789abcdef\"]\n", 2, 1, "needs paths"},
    ErrorCase{"titan_needs_who", "[titan]\nenabled = true\npaths = [\"a\"]\n", 1, 1, "needs tokens"},
    ErrorCase{"titan_short_token", "[titan]\ntokens = [\"kort\"]\n", 2, 11, "at least 16 characters"},
    ErrorCase{"titan_path_escape", "[titan]\npaths = [\"a/../b\"]\n", 2, 10, "without empty, '.', '..' or dot segments"},
    ErrorCase{"titan_dot_path", "[titan]\npaths = [\".git\"]\n", 2, 10, "dot segments"},
    ErrorCase{"titan_root_path", "[titan]\npaths = [\"/\"]\n", 2, 10, "must name a directory below the capsule root"},
    ErrorCase{"titan_path_twice", "[titan]\npaths = [\"a\", \"/a/\"]\n", 2, 15, "listed twice"},
    ErrorCase{"titan_max_size", "[titan]\nmax_size = 0\n", 2, 12, "titan.max_size must be between 1 and"},
    ErrorCase{"titan_min_rate", "[titan]\nmin_rate = 0\n", 2, 12, "titan.min_rate must be between"},
    ErrorCase{"titan_allow", "[titan]\nallow = [\"AB\"]\n", 2, 10, "is not a SHA-256 fingerprint"},
    ErrorCase{"titan_served_state", "[capsule]\nroot = \"c\"\n[titan]\nstate_file = \"c/deleted.txt\"\n", 4, 14,
              "would be served"},
    ErrorCase{"titan_unknown_key", "[titan]\nenable = true\n", 2, 1, "unknown key 'titan.enable'"},
    ErrorCase{"titan_with_hosts", "[titan]\nenabled = false\n[[host]]\nnames = [\"b\"]\nroot = \"b\"\n", 1, 1,
              "each host's titan goes in its [[host]] ([host.titan])"},
    ErrorCase{"host_titan", "[[host]]\nnames = [\"b\"]\nroot = \"b\"\n[host.titan]\nenabled = true\n", 4, 1,
              "needs paths"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

TEST(Titan, AStateFileBelowADotDirectoryOfTheCapsuleIsFine) {
    const auto c = parse_config("[titan]\nstate_file = \"capsule/.titan/gone\"\n", "/etc/kapsel/server.toml");
    EXPECT_EQ(c.hosts[0].titan.state_file, "/etc/kapsel/capsule/.titan/gone");
}

}  // namespace
}  // namespace kapsel::config
