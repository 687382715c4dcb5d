"""What an operator meets: check and serve agreeing, signals and the shutdown grace, reloads,
restart-only settings, the command line, session tickets, descriptors, logs, certificates,
MIME types and every documented default."""

import os
import re
import resource
import signal
import socket
import ssl
import subprocess
import time
import unittest

from harness import (SLOW, SOURCE_DIR, BINARY, KapselServer, client_context, read_all, request,
                     request_until_closed, tls_connect, write)

BIG = 16 * 1024 * 1024  # more than loopback's socket buffers hold, so a stalled response stays in flight


def big_capsule(root, fill=b"A"):
    write(os.path.join(root, "index.gmi"), "# Stor kapsel\n")
    write(os.path.join(root, "big.bin"), fill * BIG, "wb")


def stalled_download(server, path="/big.bin", host="localhost"):
    """Requests a big file and reads only its header: the rest of the response is in flight
    for as long as this client does not read. Returns the TLS socket."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    raw.settimeout(30)
    raw.connect(("127.0.0.1", server.port))
    s = client_context().wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False)
    s.sendall(("gemini://%s:%d%s\r\n" % (host, server.port, path)).encode())
    head = b""
    while b"\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    assert head.startswith(b"20 "), head
    return s


def read_body(s):
    data, close_notify = read_all(s)
    s.close()
    return data, close_notify


class CheckAgreesWithServe(unittest.TestCase):
    """Every configuration `serve` refuses at start is refused by `check` first, both exiting 2
    with the same message at the key's line and column."""

    def assert_both_refuse(self, server, pattern):
        self.addCleanup(server.discard)
        messages = {}
        for command in ("check", "serve"):
            p = server.run(command, timeout=30)
            self.assertEqual(p.returncode, 2, "%s accepted it: %s" % (command, p.stdout.decode() + p.stderr.decode()))
            err = p.stderr.decode().strip().splitlines()[-1]
            self.assertRegex(err, "^" + re.escape(server.config) + r":\d+:\d+: " + pattern)
            messages[command] = err[err.index(server.config):]
        self.assertEqual(messages["check"], messages["serve"])
        return messages["check"]

    def config_with(self, old, new, **kw):
        server = KapselServer(**kw)
        with open(server.config) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(server.config, "w") as f:
            f.write(text.replace(old, new))
        return server

    def test_a_host_name_in_listen(self):
        server = self.config_with('listen = ["127.0.0.1:0"]', 'listen = ["localhost:19803"]')
        message = self.assert_both_refuse(server, r"server\.listen: 'localhost' is not an IP address")
        self.assertIn(":2:11:", message)  # the element itself, in the [server] table's second line

    def test_a_listen_entry_twice(self):
        server = self.config_with('listen = ["127.0.0.1:0"]', 'listen = ["127.0.0.1:19804", "127.0.0.1:19804"]')
        self.assert_both_refuse(server, r"server\.listen: 127\.0\.0\.1:19804 overlaps 127\.0\.0\.1:19804")

    def test_a_wildcard_and_an_address_on_one_port(self):
        server = self.config_with('listen = ["127.0.0.1:0"]', 'listen = ["0.0.0.0:19805", "127.0.0.1:19805"]')
        self.assert_both_refuse(server, r"server\.listen: 127\.0\.0\.1:19805 overlaps 0\.0\.0\.0:19805")

    def test_an_account_that_does_not_exist(self):
        server = KapselServer(server={"user": '"no-such-kapsel-user"'})
        self.assert_both_refuse(server, r"server\.user: no such user 'no-such-kapsel-user'")

    def test_a_group_that_does_not_exist(self):
        server = KapselServer(server={"group": '"no-such-kapsel-group"'})
        self.assert_both_refuse(server, r"server\.group: no such group 'no-such-kapsel-group'")

    def test_a_certificate_whose_key_is_missing(self):
        server = KapselServer()
        write(os.path.join(server.dir, "certs", "cert.pem"), "left behind\n")
        self.assert_both_refuse(server, r".*key\.pem: missing, but its certificate .* exists")

    def test_a_key_that_is_not_a_key(self):
        server = KapselServer()
        write(os.path.join(server.dir, "certs", "key.pem"), "not a key\n")
        self.assert_both_refuse(server, r".*key\.pem: not a PEM private key")

    def test_a_ticket_key_file_of_the_wrong_size(self):
        server = self.config_with("[tls]\n", '[tls]\nticket_key_file = "tickets.key"\n')
        write(os.path.join(server.dir, "tickets.key"), "too short")
        self.assert_both_refuse(server, r".*tickets\.key: a ticket key file holds")

    def test_an_access_log_in_a_directory_that_does_not_exist(self):
        server = KapselServer(access_log="no/such/dir/access.log")
        self.assert_both_refuse(server, r"log\.access_log: the directory .*no/such/dir does not exist")


class ShutdownGrace(unittest.TestCase):
    """SIGINT/SIGTERM: responses in flight get server.shutdown_grace; then they are cut; a
    second signal stops at once."""

    GRACE = 3.0

    def server(self):
        return KapselServer(capsule=big_capsule, server={"shutdown_grace": str(self.GRACE)})

    def test_a_response_in_flight_finishes_within_the_grace(self):
        server = self.server().start()
        try:
            s = stalled_download(server)
            server.signal(signal.SIGTERM)
            server.wait_for_log(r"SIGTERM: stopping; in-flight responses get 3000 ms")
            body, close_notify = read_body(s)  # now it reads, well within the grace
            self.assertEqual(len(body), BIG)
            self.assertTrue(close_notify, "a response finished within the grace ends with close_notify")
            self.assertEqual(server.process.wait(timeout=10 * SLOW), 0)
            self.assertFalse([line for line in server.log if "grace period over" in line])
        finally:
            server.stop()

    def test_a_response_beyond_the_grace_is_cut(self):
        server = self.server().start()
        try:
            s = stalled_download(server)
            signalled = time.monotonic()
            server.signal(signal.SIGTERM)
            server.wait_for_log(r"grace period over: cutting 1 connection", timeout=self.GRACE + 10 * SLOW)
            self.assertGreaterEqual(time.monotonic() - signalled, self.GRACE - 0.3, "cut before the grace was over")
            self.assertEqual(server.process.wait(timeout=10 * SLOW), 0)
            body, close_notify = read_body(s)
            self.assertLess(len(body), BIG)
            self.assertFalse(close_notify, "a cut response must not end with close_notify")
        finally:
            server.stop()

    def test_a_second_signal_stops_at_once(self):
        server = KapselServer(capsule=big_capsule, server={"shutdown_grace": "60"}).start()
        try:
            s = stalled_download(server)
            server.signal(signal.SIGTERM)
            server.wait_for_log(r"SIGTERM: stopping")
            signalled = time.monotonic()
            server.signal(signal.SIGINT)
            server.wait_for_log(r"second signal: stopping now")
            self.assertEqual(server.process.wait(timeout=10 * SLOW), 0)
            self.assertLess(time.monotonic() - signalled, 10 * SLOW, "the 60 s grace was waited out")
            s.close()
        finally:
            server.stop()


class Reloading(unittest.TestCase):
    def rewrite(self, server, old, new):
        with open(server.config) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(server.config, "w") as f:
            f.write(text.replace(old, new))

    def test_new_hostnames_and_public_port_are_served_while_a_response_finishes_from_the_old_capsule(self):
        feed = '[feed]\npaths = ["artiklar"]\nauthority = "kapsel.test,2023"\n'
        article = "+++\ntitle = \"Artikel\"\npublished = 2023-03-20\n+++\nArtikel\n\nText.\n"

        def capsule(root):
            big_capsule(root, b"A")
            write(os.path.join(root, "artiklar", "a.txt"), article)

        server = KapselServer(capsule=capsule, extra_toml=feed, capsule_toml="watch = false").start()
        try:
            s = stalled_download(server)
            self.assertEqual(request(server.port, "gemini://ny.example/").status, 53)
            self.assertEqual(request(server.port, "gemini://localhost:1966/").status, 53)
            write(os.path.join(server.capsule, "big.bin"), b"B" * BIG, "wb")
            self.rewrite(server, 'hostnames = ["localhost"]', 'hostnames = ["localhost", "ny.example"]\npublic_port = 1966')
            mark = server.mark()
            server.signal(signal.SIGHUP)
            server.wait_for_log(r"reloaded: ", since=mark)
            r = request(server.port, "gemini://ny.example/")
            self.assertEqual((r.status, r.body), (20, b"# Stor kapsel\n"))
            self.assertEqual(request(server.port, "gemini://localhost:1966/").status, 20)
            feed_xml = request(server.port, "gemini://ny.example/atom.xml").body
            self.assertIn(b'href="gemini://ny.example:1966/artiklar/a.gmi"', feed_xml)
            fresh = request(server.port, server.url("/big.bin"), timeout=60)
            self.assertEqual(fresh.body, b"B" * BIG)
            body, close_notify = read_body(s)  # the old capsule's bytes, to the end
            self.assertEqual(body, b"A" * BIG)
            self.assertTrue(close_notify)
        finally:
            server.stop()

    def test_a_reload_that_changes_restart_only_settings_names_them(self):
        server = KapselServer(capsule_toml="watch = false").start()
        try:
            self.rewrite(server, 'request_timeout = 5.0', 'request_timeout = 7.0\nmax_connections = 77')
            self.rewrite(server, 'workers = 2', 'workers = 3')
            self.rewrite(server, 'level = "debug"', 'level = "info"')
            mark = server.mark()
            server.signal(signal.SIGHUP)
            warning = server.wait_for_log(r"changed but applied only on restart: (.*)", since=mark).group(1)
            self.assertEqual(warning, "server.request_timeout, server.max_connections, server.workers, log.*")
            server.wait_for_log(r"reloaded: ", since=mark)
            self.assertEqual(request(server.port, server.url("/")).status, 20)
        finally:
            server.stop()


class CommandLine(unittest.TestCase):
    def test_listen_replaces_server_listen(self):
        server = KapselServer()  # server.toml says 127.0.0.1:0
        with socket.socket() as probe:
            probe.bind(("127.0.0.3", 0))
            port = probe.getsockname()[1]
        server.start(args=("--listen", "127.0.0.3:%d" % port))
        try:
            self.assertEqual(server.port, port)
            self.assertFalse([line for line in server.log if "listening on 127.0.0.1:" in line], server.log)
            raw = socket.create_connection(("127.0.0.3", port), timeout=10)
            with client_context().wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"gemini://localhost:%d/\r\n" % port)
                data, _ = read_all(s)
            self.assertTrue(data.startswith(b"20 "))
        finally:
            server.stop()

    def test_a_bad_listen_option_is_refused(self):
        server = KapselServer()
        self.addCleanup(server.discard)
        p = server.run("serve", "--listen", "localhost:1965")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--listen: 'localhost' is not an IP address", p.stderr.decode())


class SessionTickets(unittest.TestCase):
    def tickets_sent(self, count):
        server = KapselServer(extra_toml="", server={})
        with open(server.config) as f:
            text = f.read()
        with open(server.config, "w") as f:
            f.write(text.replace("[tls]\n", "[tls]\nsession_tickets = %d\n" % count))
        with server:
            out = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % server.port, "-servername",
                                  "localhost", "-tls1_3", "-msg", "-ign_eof"],
                                 input=(server.url("/") + "\r\n").encode(), capture_output=True, timeout=30,
                                 env=dict(os.environ, OPENSSL_CONF=server.openssl_conf))
        text = out.stdout.decode("utf-8", "replace")
        self.assertIn("\n20 text/gemini", text)
        return len(re.findall(r"<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], NewSessionTicket", text))

    def test_zero_gives_no_ticket_and_three_gives_three(self):
        self.assertEqual(self.tickets_sent(0), 0)
        self.assertEqual(self.tickets_sent(1), 1)
        self.assertEqual(self.tickets_sent(3), 3)


class Descriptors(unittest.TestCase):
    @staticmethod
    def soft_limit(pid):
        with open("/proc/%d/limits" % pid) as f:
            for line in f:
                if line.startswith("Max open files"):
                    return int(line.split()[3])
        raise AssertionError("no open-files limit in /proc/%d/limits" % pid)

    def run_until_listening(self, soft, hard):
        """Starts kapsel under prlimit (util-linux) with these RLIMIT_NOFILE limits; returns the
        soft limit it runs with once listening, and its log up to then."""
        server = KapselServer(server={"max_connections": "1024"})
        env = dict(os.environ, OPENSSL_CONF=server.openssl_conf)
        proc = subprocess.Popen(["prlimit", "--nofile=%d:%d" % (soft, hard), "--", BINARY, "serve", "-c", server.config],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=server.dir)
        lines = []
        try:
            deadline = time.monotonic() + 30 * SLOW
            for raw in iter(proc.stderr.readline, b""):
                lines.append(raw.decode("utf-8", "replace"))
                if "listening on" in lines[-1] or time.monotonic() > deadline:
                    break
            limit = self.soft_limit(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=15)
            server.discard()
        return limit, "".join(lines)

    def test_the_descriptor_limit_is_raised_for_max_connections(self):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]  # a hard limit may be lowered, not raised
        self.assertGreaterEqual(hard, 2112, "this test needs a hard descriptor limit of at least 2112")
        limit, log = self.run_until_listening(256, hard)
        self.assertEqual(limit, 2 * 1024 + 64, log)
        self.assertNotIn("descriptor limit", log)

    def test_a_hard_limit_too_low_is_a_warning(self):
        limit, log = self.run_until_listening(256, 512)
        self.assertEqual(limit, 512)
        self.assertIn("descriptor limit is 512, below the 2112 that max_connections = 1024 needs", log)


class AccessLogPlaces(unittest.TestCase):
    def test_stdout(self):
        server = KapselServer(access_log="stdout")
        out = os.path.join(server.dir, "stdout.txt")
        server.stdout_path = out
        with server:
            self.assertEqual(request_until_closed(server, "/?to-stdout"), b"20")
            with open(out) as f:
                self.assertRegex(f.read(), r'127\.0\.0\.1:\d+ "localhost" "gemini://localhost:\d+/\?to-stdout" 20 \d+ ')
            self.assertFalse([line for line in server.log if "to-stdout" in line])

    def test_off(self):
        server = KapselServer(access_log="off")
        out = os.path.join(server.dir, "stdout.txt")
        server.stdout_path = out
        with server:
            self.assertEqual(request_until_closed(server, "/?logged-nowhere"), b"20")
            mark = server.mark()
            self.assertFalse([line for line in server.lines_since(0) if "logged-nowhere" in line])
            with open(out) as f:
                self.assertNotIn("logged-nowhere", f.read())
            self.assertGreater(mark, 0)

    def test_a_request_cut_by_the_timeout_is_logged_with_status_dash(self):
        with KapselServer(server={"request_timeout": "1.0"}) as server:
            with tls_connect(server.port) as s:
                s.sendall(b"gemini://localhost/halv")  # no CRLF: never a whole request
                data, close_notify = read_all(s)
            self.assertEqual(data, b"")
            line = server.wait_for_log(r'"gemini://localhost/halv" (\S+) (\d+) ')
            self.assertEqual((line.group(1), line.group(2)), ("-", "0"))


class CertificateForAnExistingKey(unittest.TestCase):
    def test_only_the_certificate_missing_makes_one_for_the_key_valid_ten_years(self):
        server = KapselServer()
        key = os.path.join(server.dir, "certs", "key.pem")
        os.makedirs(os.path.dirname(key))
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key],
                       check=True, capture_output=True)
        with open(key, "rb") as f:
            key_bytes = f.read()
        with server:
            server.wait_for_log(r"created a self-signed certificate")
            cert = os.path.join(server.dir, "certs", "cert.pem")
            with open(key, "rb") as f:
                self.assertEqual(f.read(), key_bytes, "the key was replaced")
            pub_cert = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-pubkey"], capture_output=True,
                                      check=True).stdout
            pub_key = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"], capture_output=True, check=True).stdout
            self.assertEqual(pub_cert, pub_key, "the certificate is not for the existing key")
            days = 24 * 3600
            valid_9y = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-checkend", str(3649 * days)],
                                      capture_output=True)
            valid_11y = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-checkend", str(3651 * days)],
                                       capture_output=True)
            self.assertEqual((valid_9y.returncode, valid_11y.returncode), (0, 1), "not valid for 10 years")
            self.assertEqual(request(server.port, server.url("/")).status, 20)


class MimeTypes(unittest.TestCase):
    # Where Debian's /etc/mime.types (package media-types) and kapsel's built-in table differ.
    BUILTIN = {"rss": "application/rss+xml", "wav": "audio/wav"}

    @staticmethod
    def debian_types():
        types = {}
        with open("/etc/mime.types") as f:
            for line in f:
                fields = line.split("#", 1)[0].split()
                for ext in fields[1:]:
                    types.setdefault(ext.lower(), fields[0].lower())
        return types

    def test_etc_mime_types_wins_over_the_built_in_table(self):
        self.assertTrue(os.path.exists("/etc/mime.types"), "scripts/setup.sh installs media-types")
        debian = self.debian_types()
        differing = {ext: t for ext, t in self.BUILTIN.items() if debian.get(ext, t) != t}
        self.assertTrue(differing, "Debian's table no longer differs from the built-in one here: pick another extension")

        def capsule(root):
            write(os.path.join(root, "index.gmi"), "# i\n")
            for ext in list(self.BUILTIN) + ["odt"]:
                write(os.path.join(root, "fil." + ext), b"\x00data", "wb")

        with KapselServer(capsule=capsule) as server:
            for ext in list(differing) + ["odt"]:
                with self.subTest(ext=ext):
                    self.assertEqual(request(server.port, server.url("/fil." + ext)).header, "20 " + debian[ext])


class ServiceManager(unittest.TestCase):
    """Running under systemd: the unit in contrib/ is valid, and kapsel speaks the notify
    protocol around a start, a reload and a stop (the test stands in for systemd)."""

    def test_the_shipped_unit_passes_systemd_analyze_verify(self):
        unit = os.path.join(SOURCE_DIR, "contrib", "kapsel.service")
        with open(unit) as f:
            text = f.read()
        for setting in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "NoNewPrivileges=yes",
                        "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "AmbientCapabilities=CAP_NET_BIND_SERVICE"):
            self.assertIn("\n" + setting + "\n", text)
        tmp = KapselServer()
        self.addCleanup(tmp.discard)
        # The unit names the installed binary; verify checks that it exists and runs.
        copy = os.path.join(tmp.dir, "kapsel.service")
        write(copy, text.replace("/usr/local/bin/kapsel", os.path.abspath(BINARY)))
        out = subprocess.run(["systemd-analyze", "verify", copy], capture_output=True, text=True, timeout=60)
        self.assertEqual((out.returncode, out.stdout + out.stderr), (0, ""))

    def test_ready_reloading_ready_stopping(self):
        server = KapselServer(capsule_toml="watch = false")
        path = os.path.join(server.dir, "notify.sock")
        manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        manager.bind(path)
        manager.settimeout(30 * SLOW)
        self.addCleanup(manager.close)
        server.env["NOTIFY_SOCKET"] = path

        def message():
            return dict(line.split("=", 1) for line in manager.recv(4096).decode().splitlines())

        server.start()
        try:
            ready = message()
            self.assertEqual(ready.get("READY"), "1")
            self.assertRegex(ready.get("STATUS", ""), r"^serving 1 host \(localhost\): \d+ resources, \d+ feed entries$")
            self.assertEqual(request(server.port, server.url("/")).status, 20)  # ready means serving

            before = time.clock_gettime(time.CLOCK_MONOTONIC)
            server.signal(signal.SIGHUP)
            reloading = message()
            after = time.clock_gettime(time.CLOCK_MONOTONIC)
            self.assertEqual(reloading.get("RELOADING"), "1")
            self.assertLessEqual(before * 1e6 - 1, int(reloading["MONOTONIC_USEC"]))
            self.assertLessEqual(int(reloading["MONOTONIC_USEC"]), after * 1e6 + 1)
            again = message()
            self.assertEqual(again.get("READY"), "1")
            self.assertIn("STATUS", again)

            server.signal(signal.SIGTERM)
            self.assertEqual(message(), {"STOPPING": "1"})
            self.assertEqual(server.process.wait(timeout=15), 0)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
