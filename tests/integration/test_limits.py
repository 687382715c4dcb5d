"""Slow clients, connection caps, rate limiting and cut-off responses, over loopback.

Slow connections come from 127.0.0.2 and honest clients from 127.0.0.1, so the per-address
cap can be told apart from the global one. Every loop here is bounded in count and time.
"""

import os
import resource
import selectors
import socket
import ssl
import time
import unittest

from harness import SLOW, KapselServer, client_context, read_all, request, tls_connect, write

SLOW_SOURCE = "127.0.0.2"


def raise_fd_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def tcp_from(source, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


def closed_by_peer(sock):
    """True when the server closed this (plain or TLS) socket; never blocks."""
    raw = sock
    try:
        raw.setblocking(False)
        data = raw.recv(4096) if not isinstance(raw, ssl.SSLSocket) else raw.recv(4096)
        return data == b""
    except (BlockingIOError, ssl.SSLWantReadError):
        return False
    except (ConnectionResetError, ssl.SSLError, OSError):
        return True


class Slowloris(unittest.TestCase):
    TIMEOUT = 8.0 * SLOW  # long enough to open them all first, sanitizers included
    IDLE_TLS = 400     # handshake done, no request ever
    DRIBBLE = 300      # handshake done, one byte now and then
    TCP_ONLY = 300     # never starts TLS

    def test_slow_connections_are_closed_at_the_timeout_while_honest_clients_are_served(self):
        raise_fd_limit(4096)
        with KapselServer(server={"request_timeout": str(self.TIMEOUT), "max_connections": "4096",
                                  "max_connections_per_address": "4096"}) as server:
            # Each connection's time is taken before it connects: the server's deadline starts
            # at accept, which is later, so "closed after" is never shorter than the server's.
            opened = {}  # socket -> (kind, time before connecting)
            started = time.monotonic()
            for _ in range(self.TCP_ONLY):
                t0 = time.monotonic()
                s = tcp_from(SLOW_SOURCE, server.port)
                opened[s] = ("tcp", t0)
            ctx = client_context()
            for i in range(self.IDLE_TLS + self.DRIBBLE):
                t0 = time.monotonic()
                raw = tcp_from(SLOW_SOURCE, server.port)
                s = ctx.wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False)
                kind = "idle" if i < self.IDLE_TLS else "dribble"
                if kind == "dribble":
                    s.sendall(b"g")
                opened[s] = (kind, t0)
            setup = time.monotonic() - started
            self.assertLess(setup, self.TIMEOUT - 1, "opening the slow connections took too long to test")

            # All 1000 are held: honest clients are served meanwhile.
            for _ in range(30):
                self.assertEqual(request(server.port, server.url("/sub/page.gmi")).status, 20)
            self.assertFalse(any(closed_by_peer(s) for s in list(opened)[:50]),
                             "slow connections were closed before their timeout")

            # Now watch them all being closed, dribbling meanwhile.
            closed_after = {}
            deadline = time.monotonic() + self.TIMEOUT + 10 * SLOW
            next_dribble = time.monotonic()
            for s in opened:
                s.setblocking(False)
            while len(closed_after) < len(opened) and time.monotonic() < deadline:
                now = time.monotonic()
                if now >= next_dribble:
                    for s, (kind, _) in opened.items():
                        if kind == "dribble" and s not in closed_after:
                            try:
                                s.send(b"e")
                            except (OSError, ssl.SSLError):
                                pass
                    next_dribble = now + 0.5
                sel = selectors.DefaultSelector()
                for s in opened:
                    if s not in closed_after:
                        sel.register(s, selectors.EVENT_READ)
                for key, _ in sel.select(timeout=0.2):
                    if closed_by_peer(key.fileobj):
                        kind, t0 = opened[key.fileobj]
                        closed_after[key.fileobj] = time.monotonic() - t0
                sel.close()
            for s in opened:
                s.close()

            self.assertEqual(len(closed_after), len(opened), "some slow connections were never closed")
            by_kind = {}
            for s, waited in closed_after.items():
                by_kind.setdefault(opened[s][0], []).append(waited)
            for kind, waits in by_kind.items():
                with self.subTest(kind=kind):
                    # Never before the deadline (the sweep runs late, never early); and within the
                    # sweep's tick plus the machine's slowness after it.
                    self.assertGreaterEqual(min(waits), self.TIMEOUT - 0.05, kind)
                    self.assertLessEqual(max(waits), self.TIMEOUT + 5 * SLOW, kind)
            # And the server is still fine.
            self.assertEqual(request(server.port, server.url("/")).status, 20)


class ConnectionCaps(unittest.TestCase):
    def test_per_address_cap_refuses_before_tls_and_spares_other_addresses(self):
        raise_fd_limit(2048)
        with KapselServer(server={"max_connections_per_address": "50", "max_connections": "1000",
                                  "request_timeout": "30"}) as server:
            held = [tcp_from(SLOW_SOURCE, server.port) for _ in range(50)]
            # The server admits in order; a connection that is refused is closed at once.
            extra = [tcp_from(SLOW_SOURCE, server.port) for _ in range(20)]
            for s in extra:
                s.settimeout(10)
                self.assertEqual(s.recv(100), b"", "over the per-address cap: closed, nothing sent")
            self.assertEqual(request(server.port, server.url("/")).status, 20)
            self.assertFalse(any(closed_by_peer(s) for s in held))
            for s in held + extra:
                s.close()
            server.wait_for_log(r"127\.0\.0\.2:\d+: refused, address at max_connections_per_address")

    def test_global_cap_refuses_new_connections_until_one_frees(self):
        with KapselServer(server={"max_connections": "10", "max_connections_per_address": "100",
                                  "request_timeout": "30"}) as server:
            held = [tcp_from(SLOW_SOURCE, server.port) for _ in range(10)]
            refused = tcp_from("127.0.0.1", server.port)
            self.assertEqual(refused.recv(100), b"")
            refused.close()
            server.wait_for_log(r"refused, server at max_connections")
            for s in held:
                s.close()
            # The server notices the closes on its own schedule: try until it has.
            deadline = time.monotonic() + 10
            while True:
                try:
                    self.assertEqual(request(server.port, server.url("/")).status, 20)
                    break
                except (ssl.SSLError, ConnectionResetError):
                    if time.monotonic() > deadline:
                        raise


class RateLimit(unittest.TestCase):
    def test_token_bucket_answers_44_with_seconds_to_wait(self):
        # One token per 1000 s: however slow the machine, no token comes back during the test.
        with KapselServer(server={"rate_limit_per_second": "0.001", "rate_limit_burst": "3"}) as server:
            statuses = [request(server.port, server.url("/")).status for _ in range(3)]
            self.assertEqual(statuses, [20, 20, 20])
            r = request(server.port, server.url("/"))
            self.assertEqual(r.status, 44)
            self.assertIn(int(r.meta), range(900, 1001))  # whole seconds until a token is back
            self.assertEqual(r.body, b"")
            # Another client (an IPv4 address of its own) has its own bucket.
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            raw.bind((SLOW_SOURCE, 0))
            raw.connect(("127.0.0.1", server.port))
            with client_context().wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(server.url("/").encode() + b"\r\n")
                data, _ = read_all(s)
            self.assertTrue(data.startswith(b"20 "), data[:20])


class CutOffResponse(unittest.TestCase):
    def test_client_that_stops_reading_is_cut_without_close_notify(self):
        size = 32 * 1024 * 1024

        def capsule(root):
            write(os.path.join(root, "index.gmi"), "# x\n")
            write(os.path.join(root, "huge.txt"), "x" * size)

        with KapselServer(capsule=capsule, server={"response_timeout": "2.0"}) as server:
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            raw.settimeout(20)
            raw.connect(("127.0.0.1", server.port))
            s = client_context().wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False)
            s.sendall(server.url("/huge.txt").encode() + b"\r\n")
            first = s.recv(1024)
            self.assertTrue(first.startswith(b"20 text/plain"))
            server.wait_for_log(r'"gemini://localhost:\d+/huge.txt" 20 0 ', timeout=20)
            rest, close_notify = read_all(s)
            s.close()
            self.assertFalse(close_notify, "a cut response must not end with close_notify")
            self.assertLess(len(first) + len(rest), size)

    def test_client_resetting_mid_response_does_not_hurt_the_server(self):
        def capsule(root):
            write(os.path.join(root, "index.gmi"), "# x\n")
            write(os.path.join(root, "huge.txt"), "x" * (8 * 1024 * 1024))

        tls12 = client_context(min_version=ssl.TLSVersion.TLSv1_2, max_version=ssl.TLSVersion.TLSv1_2)
        with KapselServer(capsule=capsule) as server:
            for _ in range(5):
                s = tls_connect(server.port)
                s.sendall(server.url("/huge.txt").encode() + b"\r\n")
                self.assertTrue(s.recv(1024).startswith(b"20 "))
                # SO_LINGER 0: close() sends a reset while the server is still writing.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s.close()
            for _ in range(20):
                # Request, then close at once (FIN): the server writes into a half-closed
                # connection, the client's kernel answers with a reset, and the next write
                # fails with EPIPE, which would raise SIGPIPE.
                s = tls_connect(server.port, context=tls12)
                s.sendall(server.url("/huge.txt").encode() + b"\r\n")
                s.close()
            server.wait_for_log(r'"gemini://localhost:\d+/huge.txt" 20 0 ')
            self.assertEqual(request(server.port, server.url("/")).status, 20)
            self.assertIsNone(server.process.poll(), "the server died")


if __name__ == "__main__":
    unittest.main()
