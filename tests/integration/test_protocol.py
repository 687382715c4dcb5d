"""Gemini protocol behaviour of the real server, one test per rule (spec v0.24.1)."""

import array
import fcntl
import os
import select
import termios
import signal
import socket
import ssl
import subprocess
import threading
import time
import unittest

from harness import (BINARY, SLOW, KapselServer, client_context, has_ipv6_loopback, read_all, request, request_until_closed,
                     require, tls_connect)


class Protocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = KapselServer().start()
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def get(self, line, **kw):
        return request(self.port, line, **kw)

    def capsule_file(self, name):
        with open(os.path.join(self.server.capsule, name), "rb") as f:
            return f.read()

    # --- success ---------------------------------------------------------------------

    def test_index_is_served_with_gemtext_meta_and_exact_body(self):
        r = self.get(self.server.url("/"))
        self.assertEqual(r.header, "20 text/gemini; charset=utf-8; lang=sv")
        self.assertEqual(r.body, self.capsule_file("index.gmi"))
        self.assertTrue(r.close_notify, "a complete response ends with close_notify")

    def test_empty_path_and_slash_are_the_same_page_without_redirect(self):
        with_slash = self.get("gemini://localhost:%d/" % self.port)
        without = self.get("gemini://localhost:%d" % self.port)
        self.assertEqual(without.status, 20)
        self.assertEqual(without.raw, with_slash.raw)

    def test_mime_types(self):
        cases = {
            "/sub/page.gmi": "text/gemini; charset=utf-8; lang=sv",
            "/plain.txt": "text/plain; charset=utf-8",
            "/picture.png": "image/png",
            "/data.unknownext": "application/octet-stream",
        }
        for path, meta in cases.items():
            with self.subTest(path=path):
                r = self.get(self.server.url(path))
                self.assertEqual(r.header, "20 " + meta)
                self.assertEqual(r.body, self.capsule_file(path[1:]))
                self.assertFalse(meta.endswith(";"))

    def test_large_body_arrives_whole(self):
        r = self.get(self.server.url("/big.gmi"))
        self.assertEqual(r.status, 20)
        self.assertEqual(r.body, self.capsule_file("big.gmi"))
        self.assertTrue(r.close_notify)

    def test_directory_serves_its_index(self):
        r = self.get(self.server.url("/sub/"))
        self.assertEqual(r.status, 20)
        self.assertEqual(r.body, self.capsule_file("sub/index.gmi"))

    def test_percent_encoded_utf8_path(self):
        r = self.get(self.server.url("/mellanslag%20och%20%C3%A5.gmi"))
        self.assertEqual(r.status, 20)
        self.assertEqual(r.body, self.capsule_file("mellanslag och å.gmi"))

    def test_host_is_case_insensitive_trailing_dot_and_default_port_accepted(self):
        page = self.capsule_file("sub/page.gmi")
        for url in ("gemini://LOCALHOST:%d/sub/page.gmi" % self.port, "gemini://localhost.:%d/sub/page.gmi" % self.port,
                    "gemini://localhost:1965/sub/page.gmi", "gemini://localhost/sub/page.gmi",
                    "GEMINI://LocalHost/sub/page.gmi"):
            with self.subTest(url=url):
                r = self.get(url)
                self.assertEqual((r.status, r.body), (20, page))

    def test_query_on_a_static_file_is_ignored(self):
        r = self.get(self.server.url("/sub/page.gmi?x=1"))
        self.assertEqual((r.header, r.body), ("20 text/gemini; charset=utf-8; lang=sv", self.capsule_file("sub/page.gmi")))

    def test_sni_does_not_decide_the_host(self):
        # The request's host decides what is served, whatever the handshake named (or didn't).
        for sni in (None, "unknown.example", "localhost"):
            with self.subTest(sni=sni):
                r = request(self.port, self.server.url("/sub/page.gmi"), sni=sni)
                self.assertEqual((r.status, r.body), (20, self.capsule_file("sub/page.gmi")))
                r = request(self.port, "gemini://unknown.example/sub/page.gmi", sni="localhost")
                self.assertEqual(r.header, "53 This server does not serve that host")

    # --- redirects and not found ----------------------------------------------------

    def test_directory_without_slash_redirects_permanently(self):
        r = self.get(self.server.url("/sub"))
        self.assertEqual(r.header, "31 /sub/")
        self.assertEqual(r.body, b"")
        self.assertTrue(r.close_notify)

    def test_redirect_keeps_the_query(self):
        self.assertEqual(self.get(self.server.url("/sub?a=b")).header, "31 /sub/?a=b")

    def test_missing_is_51(self):
        for path in ("/nope.gmi", "/sub/nope/", "/noindex/", "/.hidden", "/.git/config", "/sub/../.hidden"):
            with self.subTest(path=path):
                r = self.get(self.server.url(path))
                self.assertEqual(r.status, 51)
                self.assertEqual(r.body, b"")
                self.assertNotIn(b"secret", r.raw)

    # --- proxy requests: 53 ---------------------------------------------------------------

    def test_other_schemes_are_refused_as_proxy_requests(self):
        for url in ("https://localhost/", "gopher://localhost:%d/" % self.port, "spartan://localhost/"):
            with self.subTest(url=url):
                self.assertEqual(self.get(url).status, 53)

    def test_other_hosts_are_refused_as_proxy_requests(self):
        for url in ("gemini://example.org/", "gemini://127.0.0.1:%d/" % self.port, "gemini://localhost.example/"):
            with self.subTest(url=url):
                self.assertEqual(self.get(url).status, 53)

    def test_other_ports_are_refused_as_proxy_requests(self):
        other = self.port + 1 if self.port < 65535 else self.port - 1
        for url in ("gemini://localhost:%d/" % other, "gemini://localhost:1966/"):
            with self.subTest(url=url):
                self.assertEqual(self.get(url).status, 53)

    # --- bad requests: 59 ------------------------------------------------------------------

    def test_malformed_requests_are_59(self):
        cases = [
            b"",
            b"/",
            b"//localhost/",
            b"localhost/",
            b"not a uri",
            b"gemini:",
            b"gemini://",
            b"gemini:///path",
            b"gemini://user@localhost/",
            b"gemini://user:pw@localhost/",
            b"gemini://localhost/#fragment",
            b"gemini://localhost/page.gmi#",
            b"\xef\xbb\xbfgemini://localhost/",
            b"gemini://localhost/\x00",
            b"gemini://localhost/\x07bell",
            b"gemini://localhost/a b",
            b"gemini://localhost/\xff\xfe",
            b"gemini://localhost/\xc0\xae",
            b"gemini://localhost/%zz",
            b"gemini://localhost/%4",
            b"gemini://localhost:99999/",
            b"gemini://localhost:12ab/",
            b"gemini://local\\host/",
            b"1gemini://localhost/",
        ]
        for line in cases:
            with self.subTest(line=line):
                r = self.get(line)
                self.assertEqual(r.status, 59, r.header)
                self.assertEqual(r.body, b"")
                self.assertTrue(r.close_notify)

    def test_dot_segments_resolve_inside_the_path_and_are_refused_above_the_root(self):
        page = self.capsule_file("sub/page.gmi")
        for path in ("/sub/../sub/page.gmi", "/sub/./page.gmi", "/x/%2e%2e/sub/page.gmi", "/sub/a/b/../../page.gmi"):
            with self.subTest(path=path):
                r = self.get(self.server.url(path))
                self.assertEqual((r.status, r.body), (20, page))
        for path in ("/../", "/../../", "/..", "/%2e%2e/", "/.%2E/sub/page.gmi", "/sub/../../sub/page.gmi",
                     "/sub/%2e%2e/%2e%2e/index.gmi"):
            with self.subTest(path=path):
                r = self.get(self.server.url(path))
                self.assertEqual(r.header, "59 path climbs above the root")
                self.assertEqual(r.body, b"")

    def test_uri_of_1024_bytes_is_served_and_1025_is_refused(self):
        base = self.server.url("/sub/page.gmi?")
        exact = base + "a" * (1024 - len(base))
        self.assertEqual(len(exact.encode()), 1024)
        self.assertEqual(self.get(exact).status, 20)
        self.assertEqual(self.get(exact + "a").status, 59)

    def test_very_long_request_gets_59_not_a_reset(self):
        r = self.get(self.server.url("/?") + "x" * 5000)
        self.assertEqual(r.status, 59)
        self.assertTrue(r.close_notify)

    def test_bare_lf_does_not_end_a_request(self):
        # Without CRLF the request never completes: no response, closed at the timeout.
        with tls_connect(self.port, timeout=20) as s:
            started = time.monotonic()
            s.sendall(self.server.url("/").encode() + b"\n")
            raw, _ = read_all(s)
            waited = time.monotonic() - started
        self.assertEqual(raw, b"")
        self.assertGreater(waited, 3.0, "closed before the 5 s request timeout")

    def test_request_split_across_records_is_assembled(self):
        with tls_connect(self.port) as s:
            for piece in (b"gemini://loc", b"alhost:%d/sub/" % self.port, b"\r", b"\n"):
                s.sendall(piece)
            raw, close_notify = read_all(s)
        self.assertTrue(raw.startswith(b"20 text/gemini"))
        self.assertTrue(close_notify)

    # --- TLS -------------------------------------------------------------------------------

    def test_tls_1_3_and_1_2_are_served(self):
        for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            with self.subTest(version=version):
                ctx = client_context(min_version=version, max_version=version)
                r = request(self.port, self.server.url("/"), context=ctx)
                self.assertEqual(r.status, 20)

    def test_hello_retry_request_is_followed_through(self):
        # A client whose first key share is for a group kapsel does not take (P-521) gets a
        # HelloRetryRequest, a second flight, and its page: two ClientHellos in one connection.
        out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.port}", "-servername", "localhost",
                              "-groups", "P-521:X25519", "-msg", "-ign_eof"],
                             input=(self.server.url("/") + "\r\n").encode(), capture_output=True, timeout=30)
        text = out.stdout.decode("utf-8", "replace")
        self.assertEqual(text.count(">>> TLS 1.3, Handshake"), 3, "ClientHello, ClientHello, Finished")
        self.assertEqual(text.count(", ClientHello"), 2)
        self.assertIn("\n20 text/gemini", text)

    def test_tls_1_1_and_1_0_are_refused(self):
        # The server refuses: its protocol_version alert is what the client reports (and not
        # an error of the client's own, such as having no protocol it may offer).
        for version in (ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1):
            with self.subTest(version=version):
                ctx = client_context(min_version=version, max_version=version)
                with self.assertRaises(ssl.SSLError) as caught:
                    request(self.port, self.server.url("/"), context=ctx)
                self.assertEqual(caught.exception.reason, "TLSV1_ALERT_PROTOCOL_VERSION", caught.exception)

    def test_plain_tcp_request_gets_no_gemini_response(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(self.server.url("/").encode() + b"\r\n")
            received = b""
            try:
                while True:
                    data = s.recv(4096)
                    if not data:
                        break
                    received += data
            except ConnectionResetError:
                pass
        self.assertFalse(received.startswith(b"20"), received)
        self.assertNotIn(b"text/gemini", received)
        self.assertNotIn(b"Testkapsel", received)

    # --- concurrency -----------------------------------------------------------------------

    def test_concurrent_clients_are_all_served(self):
        results = []
        lock = threading.Lock()

        def client():
            for _ in range(5):
                r = request(self.port, self.server.url("/sub/page.gmi"))
                with lock:
                    results.append((r.status, r.close_notify))

        threads = [threading.Thread(target=client) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(len(results), 100)
        self.assertEqual(set(results), {(20, True)})

    def test_access_log_escapes_control_characters(self):
        self.get(b"gemini://localhost/\x1b[31mforged\x1b[0m")
        m = self.server.wait_for_log(r'"gemini://localhost/\\x1b\[31mforged\\x1b\[0m" 59')
        self.assertNotIn("\x1b", m.string)

    def test_access_log_escapes_bidirectional_and_invisible_characters(self):
        # U+202E would show the rest of the line reversed in a terminal; U+2066-U+2069, U+200B
        # and U+FEFF hide or reorder text. In the request and in SNI alike they are escaped.
        tricky = "\u202e\u2066\u2067\u2068\u2069\u200b\ufeff\u00ad\U000e0041"
        escaped = "\\u202e\\u2066\\u2067\\u2068\\u2069\\u200b\\ufeff\\u00ad\\U000e0041"
        # openssl s_client sends the server name's bytes as given (Python's ssl would IDNA-map them).
        out = subprocess.run(["openssl", "s_client", "-quiet", "-connect", f"127.0.0.1:{self.port}",
                              "-servername", "sni" + tricky],
                             input=(self.server.url("/sub/page.gmi?") + tricky + "\r\n").encode(),
                             capture_output=True, timeout=30)
        self.assertTrue(out.stdout.startswith(b"20 "), out.stdout[:60] + out.stderr[-300:])
        line = self.server.wait_for_log(r"/sub/page\.gmi\?.* 20 ").string
        for ch in tricky:
            self.assertNotIn(ch, line)
        self.assertIn('"sni' + escaped + '"', line)
        self.assertIn("?" + escaped + '"', line)

    def test_bytes_after_the_request_line_do_not_cut_a_large_response(self):
        # A client that sends more than the request (17 KB after the CRLF) must still get a
        # 5 MB response whole: closing with its bytes unread would reset the connection.
        big = os.path.join(self.server.capsule, "five-mb.bin")
        mark = self.server.mark()
        with open(big, "wb") as f:
            f.write(os.urandom(5 * 1024 * 1024))
        self.server.signal(1)  # SIGHUP: load the new file
        self.server.wait_for_log(r"reloaded: 12 resources", since=mark)
        with tls_connect(self.port, timeout=30) as s:
            s.sendall(self.server.url("/five-mb.bin").encode() + b"\r\n" + b"x" * 17 * 1024)
            time.sleep(0.2)  # let the extra bytes land in the server's receive queue first
            raw, close_notify = read_all(s)
        with open(big, "rb") as f:
            expected = f.read()
        self.assertTrue(raw.startswith(b"20 application/octet-stream\r\n"), raw[:40])
        self.assertEqual(len(raw) - raw.index(b"\r\n") - 2, len(expected))
        self.assertEqual(raw[raw.index(b"\r\n") + 2:], expected)
        self.assertTrue(close_notify)
        logged = self.server.wait_for_log(r'"[^"]*/five-mb\.bin" 20 (\d+) ').group(1)
        self.assertEqual(int(logged), len(raw))


def unacknowledged(sock):
    """Bytes this TCP socket sent that the peer has not ACKed yet (SIOCOUTQ)."""
    queued = array.array("i", [0])
    fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, queued)
    return queued[0]


def handshake(port, *args):
    """openssl s_client with ARGS, sending one request; (its stdout, its stderr)."""
    out = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost",
                          "-ign_eof", *args], input=("gemini://localhost:%d/\r\n" % port).encode(),
                         capture_output=True, timeout=30)
    return out.stdout.decode("utf-8", "replace"), out.stderr.decode("utf-8", "replace")


class KeyExchangeGroups(unittest.TestCase):
    """tls.groups: the hybrid post-quantum X25519MLKEM768 first by default where OpenSSL has it
    (3.5 and later), else X25519; a configured list is all that is offered."""

    HYBRID = ssl.OPENSSL_VERSION_INFO >= (3, 5)  # the libssl Python's ssl and kapsel share

    def test_the_default_puts_the_hybrid_first_where_openssl_has_it(self):
        with KapselServer() as server:
            expected = ("X25519MLKEM768:" if self.HYBRID else "") + "X25519:P-256:P-384"
            server.wait_for_log(r"TLS key exchange groups: %s$" % expected)
            text, _ = handshake(server.port)  # s_client's own default offer
            self.assertIn("\n20 text/gemini", text)
            if self.HYBRID:
                self.assertIn("Negotiated TLS1.3 group: X25519MLKEM768", text)
            else:
                self.assertRegex(text, r"(Server|Peer) Temp Key: X25519")
            text, _ = handshake(server.port, "-groups", "P-384")
            self.assertIn("\n20 text/gemini", text)

    def test_a_configured_list_is_all_that_is_offered(self):
        with KapselServer(tls_toml='groups = ["P-256"]') as server:
            server.wait_for_log(r"TLS key exchange groups: P-256$")
            text, _ = handshake(server.port, "-groups", "P-256")
            self.assertIn("\n20 text/gemini", text)
            self.assertRegex(text, r"(Server|Peer) Temp Key: (ECDH, )?(P-256|prime256v1)")  # OpenSSL 3.0 | 3.5
            # A client with none of them: the server refuses (its alert, not the client's own error).
            text, err = handshake(server.port, "-groups", "X25519")
            self.assertNotIn("20 text/gemini", text)
            self.assertRegex(err, r"alert handshake failure|ALERT_HANDSHAKE_FAILURE")

    def test_check_refuses_a_group_this_openssl_lacks_at_its_line(self):
        server = KapselServer(tls_toml='groups = ["X25519", "brainpoolP999r1"]')
        self.addCleanup(server.discard)
        r = server.run("check")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertRegex(r.stderr.decode(), r'server\.toml:\d+:\d+: tls\.groups: "brainpoolP999r1" is not a key exchange '
                                             r'group OpenSSL')


class NagleClients(unittest.TestCase):
    """Clients that leave Nagle's algorithm on (Python's ssl by default, many C clients): their
    request must leave at once, not wait for the server's delayed ACK (40 ms on Linux)."""

    BOUND = 0.010 if SLOW == 1 else 0.020  # far below 40 ms, sanitizers included

    @classmethod
    def setUpClass(cls):
        cls.server = KapselServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def request_times(self, context, resume=False, n=10):
        times, session = [], None
        for _ in range(n):
            raw = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
            self.assertEqual(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 0)
            s = context.wrap_socket(raw, server_hostname="localhost", session=session if resume else None,
                                    suppress_ragged_eofs=False)
            started = time.monotonic()
            s.sendall(self.server.url("/").encode() + b"\r\n")
            head = s.recv(64)
            times.append(time.monotonic() - started)
            self.assertTrue(head.startswith(b"20 "), head)
            read_all(s)
            session = s.session
            s.close()
        return sorted(times)

    def test_tls_1_3_request_is_answered_without_the_delayed_ack(self):
        times = self.request_times(client_context())
        self.assertLess(times[len(times) // 2], self.BOUND, "median request->response %s" % times)

    def test_tls_1_3_resumed_and_tls_1_2_resumed_as_well(self):
        for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            with self.subTest(version=version):
                ctx = client_context(min_version=version, max_version=version)
                times = self.request_times(ctx, resume=True)
                self.assertLess(times[len(times) // 2], self.BOUND, "median request->response %s" % times)


class Timeouts(unittest.TestCase):
    def test_idle_connection_is_closed_at_the_request_timeout(self):
        with KapselServer(server={"request_timeout": "1.0"}) as server:
            for send_first in (False, True):
                with self.subTest(completed_handshake=send_first):
                    started = time.monotonic()
                    if send_first:
                        s = tls_connect(server.port, timeout=10)
                        s.sendall(b"gemini://localhost/")  # no CRLF, ever
                        raw, _ = read_all(s)
                        s.close()
                    else:
                        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
                            raw = s.recv(100)
                    waited = time.monotonic() - started
                    self.assertEqual(raw, b"")
                    self.assertGreaterEqual(waited, 0.9)
                    self.assertLess(waited, 5.0)


class Shutdown(unittest.TestCase):
    def test_sigterm_exits_cleanly(self):
        server = KapselServer().start()
        try:
            self.assertEqual(request(server.port, server.url("/")).status, 20)
            server.signal(15)
            self.assertEqual(server.process.wait(timeout=15), 0)
            server.wait_for_log(r"SIGTERM: stopping")
            server.wait_for_log(r"stopped after 1 requests")
        finally:
            server.stop()

    def test_sigint_closes_idle_connections_and_exits(self):
        server = KapselServer(server={"request_timeout": "30.0"}).start()
        try:
            idle = tls_connect(server.port)
            server.signal(2)
            self.assertEqual(server.process.wait(timeout=15), 0)
            raw, _ = read_all(idle)
            self.assertEqual(raw, b"")
            idle.close()
        finally:
            server.stop()


class Resumption(unittest.TestCase):
    def setUp(self):
        self.context = client_context()  # sessions belong to the context that made them

    def handshake(self, server, session=None):
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s = self.context.wrap_socket(raw, server_hostname="localhost", session=session,
                                         suppress_ragged_eofs=False)
        s.sendall(server.url("/").encode() + b"\r\n")
        data, close_notify = read_all(s)
        self.assertTrue(data.startswith(b"20 ") and close_notify)
        result = (s.session, s.session_reused)
        s.close()
        return result

    def test_resumption_survives_a_restart_with_a_ticket_key_file(self):
        first = KapselServer(extra_toml="")
        # The same directory, certificate and ticket key file for both servers.
        ticket_line = 'ticket_key_file = "certs/tickets.key"\n'
        with open(first.config) as f:
            text = f.read()
        with open(first.config, "w") as f:
            f.write(text.replace("[tls]\n", "[tls]\n" + ticket_line))
        first.start()
        try:
            session, reused = self.handshake(first)
            self.assertFalse(reused)
            _, reused = self.handshake(first, session)
            self.assertTrue(reused, "resumption with a ticket from this process")
            key = os.path.join(first.dir, "certs", "tickets.key")
            self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
            self.assertEqual(os.path.getsize(key), 80)
            first.process.send_signal(15)
            self.assertEqual(first.process.wait(timeout=15), 0)
            second = first.start()  # same files, new process
            _, reused = self.handshake(second, session)
            self.assertTrue(reused, "resumption across a restart")
        finally:
            first.stop()

    def test_rotated_ticket_keys_are_picked_up_on_sighup_and_old_tickets_resume_for_two_rotations(self):
        server = KapselServer(capsule_toml="watch = false")
        with open(server.config) as f:
            text = f.read()
        with open(server.config, "w") as f:
            f.write(text.replace("[tls]\n", '[tls]\nticket_key_file = "certs/tickets.key"\n'))
        server.start()
        try:
            key_file = os.path.join(server.dir, "certs", "tickets.key")
            tls12 = client_context(min_version=ssl.TLSVersion.TLSv1_2, max_version=ssl.TLSVersion.TLSv1_2)
            self.context = tls12  # a TLS 1.2 ticket may be offered again and again
            old_session, _ = self.handshake(server)

            def rotate_file():
                out = subprocess.run([BINARY, "ticket-keys", "rotate", key_file], capture_output=True, text=True,
                                     timeout=30)
                self.assertEqual(out.returncode, 0, out.stderr)

            rotate_file()
            mark = server.mark()
            server.signal(signal.SIGHUP)
            self.assertEqual(server.wait_for_log(r"session-ticket keys: (\d+) from ", since=mark).group(1), "2")
            self.assertEqual(os.path.getsize(key_file), 160)
            _, reused = self.handshake(server, old_session)
            self.assertTrue(reused, "a ticket of the previous key resumes")
            new_session, reused = self.handshake(server)
            self.assertFalse(reused)
            rotate_file()
            rotate_file()  # the first key is now fourth: dropped
            mark = server.mark()
            server.signal(signal.SIGHUP)
            self.assertEqual(server.wait_for_log(r"session-ticket keys: (\d+) from ", since=mark).group(1), "3")
            _, reused = self.handshake(server, old_session)
            self.assertFalse(reused, "a ticket of a key rotated out still resumed")
            _, reused = self.handshake(server, new_session)
            self.assertTrue(reused, "a ticket of a key two rotations old must still resume")
        finally:
            server.stop()

    def test_the_session_ticket_leaves_with_the_response_not_before_it(self):
        # A TLS 1.3 server writes its ticket right after the client's Finished; kapsel holds
        # it and sends it in the response's write, one packet fewer per request. The client
        # here does TLS over memory BIOs, so it sees every byte the server sends, and when.
        server = KapselServer().start()
        try:
            raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            tls = self.context.wrap_bio(incoming, outgoing, server_hostname="localhost")
            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    raw.sendall(outgoing.read())
                    data = raw.recv(65536)
                    self.assertTrue(data, "the server closed during the handshake")
                    incoming.write(data)
            self.assertEqual(tls.version(), "TLSv1.3")
            raw.sendall(outgoing.read())  # our Finished
            # Wait until the server has ACKed our Finished (nothing of ours is unacknowledged):
            # kapsel ACKs at once when its handshake is done, after it would have sent a ticket
            # it did not hold. From then on, what it sent before our request would be here.
            deadline = time.monotonic() + 10 * SLOW
            while unacknowledged(raw) and time.monotonic() < deadline:
                time.sleep(0.001)
            self.assertEqual(unacknowledged(raw), 0, "the server never ACKed the client's Finished")
            readable, _, _ = select.select([raw], [], [], 0.05)
            self.assertEqual(readable, [], "the server sent something before the request")
            tls.write(server.url("/").encode() + b"\r\n")
            raw.sendall(outgoing.read())
            while chunk := raw.recv(65536):
                incoming.write(chunk)
            incoming.write_eof()
            body = b""
            while chunk := tls.read(65536):  # b"" at close_notify; SSLEOFError without one
                body += chunk
            raw.close()
            self.assertTrue(body.startswith(b"20 text/gemini"), body[:40])
            self.assertTrue(tls.session.has_ticket, "no session ticket came with the response")
        finally:
            server.stop()

    def test_an_openssl_client_resumes_every_connection_with_tls_1_3_and_1_2(self):
        # loadgen keeps its sessions as OpenSSL advises: a new-session callback and the client
        # cache mode. Such a client uses a TLS 1.3 ticket once (so the server must send a new
        # one on every resumption), and drops a TLS 1.2 session whose ticket the server
        # renewed (so it must not renew TLS 1.2 tickets). Either mistake halves resumption.
        loadgen = os.environ.get("KAPSEL_LOADGEN")
        require(self, "loadgen", loadgen and os.access(loadgen, os.X_OK),
                "KAPSEL_LOADGEN names no executable (ctest sets it to build*/bench/loadgen)")
        server = KapselServer().start()
        try:
            for version in ("1.3", "1.2"):
                out = subprocess.run([loadgen, "-p", str(server.port), "-u", server.url("/"),
                                      "-c", "1", "-n", "8", "-r", "-V", version, "-T", "60"],
                                     capture_output=True, text=True, timeout=90)
                self.assertEqual(out.returncode, 0, out.stderr[-500:])
                last = out.stdout.strip().splitlines()[-1]
                fields = dict(kv.split("=", 1) for kv in last.split())
                self.assertEqual((fields["ok"], fields["full"], fields["resumed"]), ("8", "1", "7"),
                                 f"TLS {version}: {last}")
        finally:
            server.stop()

    def test_without_a_ticket_key_file_a_restart_forgets_tickets(self):
        server = KapselServer().start()
        try:
            session, _ = self.handshake(server)
            server.process.send_signal(15)
            self.assertEqual(server.process.wait(timeout=15), 0)
            server.start()
            _, reused = self.handshake(server, session)
            self.assertFalse(reused)
        finally:
            server.stop()


class Listeners(unittest.TestCase):
    def test_ipv4_and_ipv6_listeners_both_serve(self):
        require(self, "ipv6", has_ipv6_loopback(), "cannot bind ::1 (no IPv6 on loopback)")
        with KapselServer(server={"listen": '["127.0.0.1:0", "[::1]:0"]'}) as server:
            v6_port = int(server.wait_for_log(r"listening on \[::1\]:(\d+)").group(1))
            self.assertEqual(request(server.port, server.url("/")).status, 20)
            raw = socket.create_connection(("::1", v6_port), timeout=10)
            with client_context().wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False) as s:
                s.sendall(b"gemini://localhost:%d/\r\n" % v6_port)
                data, close_notify = read_all(s)
            self.assertTrue(data.startswith(b"20 text/gemini"))
            self.assertTrue(close_notify)

    def test_a_listener_that_cannot_bind_is_an_error_naming_it(self):
        with KapselServer() as running:
            taken = "127.0.0.1:%d" % running.port
            other = KapselServer(server={"listen": '["%s"]' % taken})
            self.addCleanup(other.discard)
            p = other.run("serve")
            self.assertEqual(p.returncode, 2)
            self.assertIn("cannot bind " + taken, p.stderr.decode())
            self.assertIn("in use", p.stderr.decode())


class AccessLogFile(unittest.TestCase):
    def test_sighup_reopens_a_rotated_access_log(self):
        server = KapselServer()
        with open(server.config) as f:
            text = f.read()
        with open(server.config, "w") as f:
            f.write(text.replace('access_log = "stderr"', 'access_log = "access.log"'))
        server.start()
        try:
            log = os.path.join(server.dir, "access.log")
            self.assertEqual(request_until_closed(server, "/?first"), b"20")
            os.rename(log, log + ".1")  # what logrotate does
            mark = server.mark()
            server.signal(1)  # SIGHUP
            server.wait_for_log(r"reloaded: ", since=mark)
            self.assertEqual(request_until_closed(server, "/?second"), b"20")
            with open(log + ".1") as f:
                rotated = f.read()
            with open(log) as f:
                current = f.read()
            self.assertIn("/?first\" 20 ", rotated)
            self.assertNotIn("?second", rotated)
            self.assertIn("/?second\" 20 ", current)
            self.assertFalse([line for line in server.log if "not reopened" in line])
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
