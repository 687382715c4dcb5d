"""feed.notify: kapsel tells aggregators of a changed feed with one Gemini request each, from a
background task, as Antenna expects (the feed's URL as the percent-encoded query). The
aggregator here is the test's own Gemini listener (Python ssl), which records what it gets."""

import os
import queue
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from harness import KapselServer, SLOW, request, write

FEED_PATHS = '[feed]\npaths = ["notes"]\ntitle = "Notiser"\nauthority = "kapsel.test,2026"\nauthor = "Test"\n'


def capsule(root):
    write(os.path.join(root, "index.gmi"), "# Notiser\n\n{{ entries }}\n")
    note(root, "forsta", "Första notisen", "2026-11-01T09:00:00Z")


def note(root, slug, title, published):
    write(os.path.join(root, "notes", slug + ".txt"),
          '+++\ntitle = "%s"\npublished = %s\n+++\n%s\n\nText.\n' % (title, published, title))


class Aggregator:
    """A Gemini listener on 127.0.0.1 that answers each request with the next of `replies`
    (the last one repeats; None: accept, read the request, never answer) and records every
    request line with the SNI it came with."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.requests = queue.Queue()
        self.dir = tempfile.mkdtemp(prefix="kapsel-aggregator-")
        cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=aggregator.test"],
                       check=True, capture_output=True, timeout=30)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.sni = []
        self.context.sni_callback = lambda sock, name, ctx: self.sni.append(name)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stalled = []  # connections held open without an answer
        self.closing = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.closing:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            raw.settimeout(10)
            try:
                conn = self.context.wrap_socket(raw, server_side=True)
                line = b""
                while not line.endswith(b"\r\n") and len(line) < 2048:
                    chunk = conn.recv(2048)
                    if not chunk:
                        break
                    line += chunk
            except (OSError, ssl.SSLError) as e:
                self.requests.put(("error", repr(e)))
                raw.close()
                continue
            reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
            self.requests.put(("request", line.decode("utf-8", "replace")))
            if reply is None:
                self.stalled.append(conn)
                continue
            try:
                conn.sendall(reply.encode() + b"\r\n")
                conn.unwrap()
            except (OSError, ssl.SSLError):
                pass
            conn.close()

    def next_request(self, timeout):
        kind, text = self.requests.get(timeout=timeout)
        if kind != "request":
            raise AssertionError("the aggregator's side failed: " + text)
        return text

    def close(self):
        self.closing = True
        self.listener.close()
        for c in self.stalled:
            c.close()
        subprocess.run(["rm", "-rf", self.dir])

    def url(self, host="127.0.0.1"):
        return "gemini://%s:%d/submit" % (host, self.port)


def expected_request(submit_url):
    return submit_url + "?" + urllib.parse.quote("gemini://localhost/atom.xml", safe="") + "\r\n"


class Notify(unittest.TestCase):
    def start(self, replies, host="127.0.0.1", extra=""):
        self.aggregator = Aggregator(replies)
        self.addCleanup(self.aggregator.close)
        self.start_with('"%s"' % self.aggregator.url(host), extra)

    def start_with(self, notify, extra=""):
        self.server = KapselServer(capsule=capsule, extra_toml=FEED_PATHS + "notify = [%s]\n" % notify + extra,
                                   capsule_toml="watch = false")
        self.server.start()
        self.addCleanup(self.server.stop)

    def reload(self):
        mark = self.server.mark()
        self.server.signal(signal.SIGHUP)
        self.server.wait_for_log(r"reloaded: |reload failed", 30 * SLOW, since=mark)
        return mark

    def publish(self, slug, title, published):
        note(self.server.capsule, slug, title, published)
        return self.reload()

    def test_a_changed_feed_is_announced_once_and_a_start_or_an_unchanged_reload_tells_no_one(self):
        self.start(["20 text/gemini"], host="localhost")
        self.reload()  # nothing changed: no notice
        write(os.path.join(self.server.capsule, "other.gmi"), "# Ingen post\n")
        self.reload()  # a page outside the feed: the feed's entries did not change, no notice
        mark = self.publish("andra", "Andra notisen", "2026-11-02T09:00:00Z")
        # The notifier sends in order: had the start or either reload queued a notice, it
        # would arrive here first.
        line = self.aggregator.next_request(15 * SLOW)
        self.assertEqual(line, expected_request(self.aggregator.url("localhost")))
        self.assertEqual(self.aggregator.sni, ["localhost"], "SNI names the aggregator's host")
        self.server.wait_for_log(r"notify gemini://localhost:%d/submit: told of gemini://localhost/atom\.xml: 20 "
                                 r"text/gemini" % self.aggregator.port, 10 * SLOW, since=mark)
        self.assertTrue(self.aggregator.requests.empty())
        # An edit to an entry is a change too.
        note(self.server.capsule, "andra", "Andra notisen, rättad", "2026-11-02T09:00:00Z")
        self.reload()
        self.assertEqual(self.aggregator.next_request(15 * SLOW), expected_request(self.aggregator.url("localhost")))

    def test_an_upload_that_changes_the_feed_is_announced(self):
        from test_titan import TOKEN, upload  # the suite's Titan client
        self.start(["20 text/gemini"], host="localhost",
                   extra='[titan]\nenabled = true\npaths = ["notes"]\ntokens = ["%s"]\n' % TOKEN)
        mark = self.server.mark()
        body = '+++\ntitle = "Uppladdad notis"\npublished = 2026-11-03T09:00:00Z\n+++\nUppladdad notis\n\nText.\n'
        reply = upload(self.server, "/notes/uppladdad.txt", body, mime="text/plain")
        self.assertEqual(reply.status, 30, reply.header)
        self.assertEqual(self.aggregator.next_request(15 * SLOW), expected_request(self.aggregator.url("localhost")))
        self.server.wait_for_log(r"notify gemini://localhost:%d/submit: told of gemini://localhost/atom\.xml: 20 "
                                 % self.aggregator.port, 10 * SLOW, since=mark)

    def test_a_temporary_failure_is_tried_again_with_backoff(self):
        self.start(["41 busy", "44 slow down", "20 text/gemini"])
        mark = self.publish("andra", "Andra notisen", "2026-11-02T09:00:00Z")
        times = []
        for _ in range(3):
            self.assertEqual(self.aggregator.next_request(20 * SLOW), expected_request(self.aggregator.url()))
            times.append(time.monotonic())
        self.server.wait_for_log(r"try 1 of 3 failed \(41 busy\); again in 2 s", 5, since=mark)
        self.server.wait_for_log(r"try 2 of 3 failed \(44 slow down\); again in 4 s", 5, since=mark)
        self.server.wait_for_log(r"told of gemini://localhost/atom\.xml: 20", 10, since=mark)
        self.assertGreaterEqual(times[1] - times[0], 1.9)
        self.assertGreaterEqual(times[2] - times[1], 3.9)

    def test_a_permanent_failure_is_not_tried_again(self):
        self.start(["51 no such page"])
        mark = self.publish("andra", "Andra notisen", "2026-11-02T09:00:00Z")
        self.aggregator.next_request(15 * SLOW)
        self.server.wait_for_log(r"notify .*: refused gemini://localhost/atom\.xml \(51 no such page\); not tried again",
                                 10 * SLOW, since=mark)
        # A later change is announced again, and that request is the very next one.
        self.publish("tredje", "Tredje notisen", "2026-11-03T09:00:00Z")
        self.aggregator.next_request(15 * SLOW)
        self.assertTrue(self.aggregator.requests.empty())

    def test_an_aggregator_that_is_down_costs_three_tries_and_a_log_line(self):
        # A port bound but not listening: connecting to it is refused, and no one else gets it.
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        self.addCleanup(closed.close)
        port = closed.getsockname()[1]
        self.start_with('"gemini://127.0.0.1:%d/submit"' % port)
        mark = self.publish("andra", "Andra notisen", "2026-11-02T09:00:00Z")
        self.server.wait_for_log(r"try 1 of 3 failed \(connecting to 127\.0\.0\.1:%d: Connection refused\)"
                                 % port, 10 * SLOW, since=mark)
        self.server.wait_for_log(r"try 2 of 3 failed .*; again in 4 s", 10 * SLOW, since=mark)
        self.server.wait_for_log(r"gave up telling of gemini://localhost/atom\.xml after 3 tries: connecting to "
                                 r"127\.0\.0\.1:%d: Connection refused" % port, 20 * SLOW, since=mark)

    def test_a_silent_aggregator_never_delays_serving_and_never_delays_stopping(self):
        self.start([None])
        mark = self.publish("andra", "Andra notisen", "2026-11-02T09:00:00Z")
        self.aggregator.next_request(15 * SLOW)  # it arrived, and will not be answered
        started = time.monotonic()
        for _ in range(5):  # meanwhile, requests are served at once
            r = request(self.server.port, self.server.url("/notes/andra.gmi"))
            self.assertEqual(r.status, 20)
        self.assertLess(time.monotonic() - started, 5 * SLOW)
        self.server.wait_for_log(r"try 1 of 3 failed \(timed out waiting for the response\); again in 2 s",
                                 15 * SLOW, since=mark)
        waited = time.monotonic() - started
        self.assertGreaterEqual(waited, 8.0, "the try waited for its 10 s timeout")
        # Stopping cuts the notifier's wait (or its next try) at once.
        self.aggregator.next_request(10 * SLOW)
        stopping = time.monotonic()
        self.server.stop()
        self.assertLess(time.monotonic() - stopping, 5 * SLOW)

    def test_check_feed_and_export_tell_no_one(self):
        self.start(["20 x"], extra='[web]\nexport_dir = "web"\nbase_url = "http://127.0.0.1/"\n')
        note(self.server.capsule, "andra", "Andra notisen", "2026-11-02T09:00:00Z")
        for args in (["check"], ["feed"], ["export", os.path.join(self.server.dir, "web-out")]):
            with self.subTest(command=args[0]):
                done = self.server.run(*args)
                self.assertEqual(done.returncode, 0, done.stderr.decode())
        # The server itself was not reloaded, and the commands have exited: no connection came.
        self.assertTrue(self.aggregator.requests.empty())


class NotifySettings(unittest.TestCase):
    def check(self, notify):
        server = KapselServer(capsule=capsule, extra_toml=FEED_PATHS + "notify = %s\n" % notify)
        try:
            return server.run("check")
        finally:
            server.discard()

    def test_a_bad_notify_url_is_refused_at_its_line(self):
        for value, message in (('["https://aggregator.example/submit"]', "gemini://"),
                               ('["gemini://aggregator.example/submit?x=1"]', "query"),
                               ('"gemini://aggregator.example/submit"', "array")):
            with self.subTest(value=value):
                done = self.check(value)
                self.assertEqual(done.returncode, 2)
                err = done.stderr.decode()
                self.assertRegex(err, r"server\.toml:\d+:\d+: .*feed\.notify")
                self.assertIn(message, err)


if __name__ == "__main__":
    unittest.main()
