"""Behind a load balancer: two kapsel replicas behind the real HAProxy (contrib/haproxy.cfg),
the PROXY protocol v1 and v2 carrying the client's address, one shared session-ticket key
file so a session made on one replica resumes on the other."""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import SLOW, SOURCE_DIR, BINARY, KapselServer, client_context, read_all, require, write

CLIENT = "127.0.0.2"  # the client's own address, which each replica must log, not HAProxy's


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port, url, source=CLIENT, context=None):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.bind((source, 0))
    raw.settimeout(15)
    raw.connect(("127.0.0.1", port))
    with (context or client_context()).wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False) as s:
        s.sendall(url.encode() + b"\r\n")
        data, close_notify = read_all(s)
    return data, close_notify, raw


class BehindHAProxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shared = tempfile.mkdtemp(prefix="kapsel-replicas-")
        cls.front = free_port()
        # One certificate and one ticket key file for both replicas, as a deployment has.
        cert, key, tickets = (os.path.join(cls.shared, n) for n in ("cert.pem", "key.pem", "tickets.key"))
        subprocess.run([BINARY, "ticket-keys", "rotate", tickets], check=True, capture_output=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "30", "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        cls.replicas = []
        for version in ("v2", "v1"):
            server = KapselServer(server={"listen": '[{ address = "127.0.0.1:0", proxy_protocol = "%s" }]' % version,
                                          "public_port": str(cls.front)})
            with open(server.config) as f:
                text = f.read()
            text = text.replace('certificate = "certs/cert.pem"', 'certificate = "%s"' % cert)
            text = text.replace('key = "certs/key.pem"', 'key = "%s"\nticket_key_file = "%s"' % (key, tickets))
            with open(server.config, "w") as f:
                f.write(text)
            cls.replicas.append(server.start())
        # HAProxy with the very file operators install, on this test's ports.
        with open(os.path.join(SOURCE_DIR, "contrib", "haproxy.cfg")) as f:
            cfg = f.read()
        cfg = cfg.replace("bind :1965", "bind 127.0.0.1:%d" % cls.front)
        cfg = cfg.replace("127.0.0.1:1966", "127.0.0.1:%d" % cls.replicas[0].port)
        cfg = cfg.replace("127.0.0.1:1967", "127.0.0.1:%d" % cls.replicas[1].port)
        cls.cfg = os.path.join(cls.shared, "haproxy.cfg")
        write(cls.cfg, cfg)
        cls.haproxy = None
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if os.path.exists(haproxy):
            cls.haproxy = subprocess.Popen([haproxy, "-db", "-f", cls.cfg], stdout=subprocess.DEVNULL,
                                           stderr=subprocess.PIPE)
            deadline = time.monotonic() + 20 * SLOW
            while time.monotonic() < deadline:  # until it accepts on its front port
                try:
                    socket.create_connection(("127.0.0.1", cls.front), timeout=1).close()
                    break
                except OSError:
                    assert cls.haproxy.poll() is None, cls.haproxy.stderr.read().decode()
                    time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        if cls.haproxy:
            cls.haproxy.send_signal(signal.SIGTERM)
            try:
                cls.haproxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.haproxy.kill()
                cls.haproxy.wait()
        for server in cls.replicas:
            server.stop()
        shutil.rmtree(cls.shared, ignore_errors=True)

    def setUp(self):
        require(self, "haproxy", self.haproxy is not None, "haproxy is not installed (scripts/setup.sh installs it)")

    def url(self, path="/"):
        return "gemini://localhost:%d%s" % (self.front, path)

    def test_clients_get_their_pages_and_each_replica_logs_the_clients_own_address(self):
        marks = [r.mark() for r in self.replicas]
        for i in range(4):  # round robin: two each
            data, close_notify, raw = fetch(self.front, self.url("/sub/page.gmi?n=%d" % i))
            self.assertTrue(data.startswith(b"20 text/gemini"), data[:60])
            self.assertIn("åäö".encode(), data)
            self.assertTrue(close_notify)
        for replica, mark in zip(self.replicas, marks):
            lines = [replica.wait_for_log(r'"gemini://localhost:%d/sub/page\.gmi\?n=%d" 20 ' % (self.front, i),
                                          timeout=0.5 * SLOW, since=mark).string
                     for i in range(4) if self._served(replica, mark, i)]
            self.assertEqual(len(lines), 2, "round robin sends every other request to each replica")
            for line in lines:
                self.assertRegex(line, r" %s:\d+ " % re.escape(CLIENT), "the log names HAProxy, not the client")
                self.assertNotRegex(line, r" 127\.0\.0\.1:\d+ ")

    def _served(self, replica, mark, i):
        try:
            replica.wait_for_log(r"/sub/page\.gmi\?n=%d\"" % i, timeout=0.5 * SLOW, since=mark)
            return True
        except AssertionError:
            return False

    def test_a_session_made_on_one_replica_resumes_on_the_other(self):
        session = os.path.join(self.shared, "session.pem")
        marks = [r.mark() for r in self.replicas]
        env = dict(os.environ, OPENSSL_CONF=self.replicas[0].openssl_conf)

        def s_client(*args):
            return subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.front, "-servername",
                                   "localhost", "-ign_eof", *args], input=(self.url("/?resume") + "\r\n").encode(),
                                  capture_output=True, timeout=30, env=env).stdout.decode("utf-8", "replace")

        first = s_client("-sess_out", session)
        self.assertIn("\n20 text/gemini", first)
        self.assertIn("New, TLS", first)
        second = s_client("-sess_in", session)
        self.assertIn("\n20 text/gemini", second)
        self.assertIn("Reused, TLS", second, "the second replica did not resume the first one's session")
        served = [len([l for l in r.lines_since(m) if "/?resume" in l and '" 20 ' in l]) for r, m in zip(self.replicas, marks)]
        self.assertEqual(served, [1, 1], "round robin: one handshake on each replica")

    def test_a_direct_connection_without_a_header_is_closed_before_any_handshake(self):
        for replica in self.replicas:
            with self.subTest(port=replica.port):
                mark = replica.mark()
                raw = socket.create_connection(("127.0.0.1", replica.port), timeout=10)
                with self.assertRaises((ssl.SSLError, ConnectionResetError, OSError)):
                    client_context().wrap_socket(raw, server_hostname="localhost")
                raw.close()
                replica.wait_for_log(r"no valid PROXY header", since=mark)


class ProxyListener(unittest.TestCase):
    """The PROXY listener alone, fed headers by hand: what HAProxy's health checks send (a v2
    LOCAL command), and caps counted by the client the header names."""

    def header_v1(self, source="198.51.100.7", port=40000):
        return ("PROXY TCP4 %s 127.0.0.1 %d 1965\r\n" % (source, port)).encode()

    def tls_after(self, server, header, url=None):
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        raw.sendall(header)
        with client_context().wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False) as s:
            s.sendall(((url or server.url("/")) + "\r\n").encode())
            data, _ = read_all(s)
        return data

    def test_the_header_decides_the_logged_client_and_the_caps(self):
        with KapselServer(server={"listen": '[{ address = "127.0.0.1:0", proxy_protocol = "any" }]',
                                  "max_connections_per_address": "1"}) as server:
            self.assertTrue(self.tls_after(server, self.header_v1()).startswith(b"20 "))
            server.wait_for_log(r' 198\.51\.100\.7:40000 "localhost" "gemini://localhost:\d+/" 20 ')
            # v2 LOCAL (a health check): the connection's own address.
            local = b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x20, 0x00, 0x00, 0x00])
            self.assertTrue(self.tls_after(server, local, server.url("/?local")).startswith(b"20 "))
            server.wait_for_log(r' 127\.0\.0\.1:\d+ "localhost" "gemini://localhost:\d+/\?local" 20 ')
            # The per-address cap counts the client the header names: one held, the next refused.
            # The held one completes its handshake first, so it was admitted before the second.
            held_raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            held_raw.sendall(self.header_v1("203.0.113.9", 1))
            held = client_context().wrap_socket(held_raw, server_hostname="localhost")
            mark = server.mark()
            second = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            second.sendall(self.header_v1("203.0.113.9", 2))
            refused = server.wait_for_log(r"203\.0\.113\.9:(\d+): refused, address at max_connections_per_address",
                                          since=mark)
            self.assertEqual(refused.group(1), "2")
            self.assertEqual(second.recv(10), b"", "refused: closed before any TLS work")
            second.close()
            # Another client behind the same proxy is not held back by that one.
            self.assertTrue(self.tls_after(server, self.header_v1("198.51.100.8")).startswith(b"20 "))
            held.close()

    def test_a_malformed_header_is_closed_at_once(self):
        with KapselServer(server={"listen": '[{ address = "127.0.0.1:0", proxy_protocol = "v1" }]'}) as server:
            for junk in (b"GET / HTTP/1.0\r\n\r\n", b"PROXY TCP4 1.2.3.4\r\n", b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c"):
                with self.subTest(junk=junk):
                    mark = server.mark()
                    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                    s.sendall(junk)
                    try:  # closed with the junk unread: a reset is a close too; nothing is sent
                        self.assertEqual(s.recv(10), b"")
                    except ConnectionResetError:
                        pass
                    s.close()
                    server.wait_for_log(r"no valid PROXY header", since=mark)


if __name__ == "__main__":
    unittest.main()
