"""Several capsules on one server: virtual hosts with their own certificates (SNI), capsules
and feeds; certificates reloaded without a restart."""

import os
import re
import shutil
import signal
import subprocess
import time
import unittest

from harness import SLOW, KapselServer, request, write

HOSTS = """\
    [[host]]
    names = ["a.test", "www.a.test"]
    root = "a"
    [host.feed]
    title = "Kapsel A"
    authority = "a.test,2024"
    paths = ["artiklar"]

    [[host]]
    names = ["b.test"]
    root = "b"
    lang = "en"
    [host.feed]
    title = "Capsule B"
    authority = "b.test,2024"
    paths = ["posts"]
"""


def article(title, day):
    return "+++\ntitle = \"%s\"\npublished = 2024-01-%02d\n+++\n%s\n\nText.\n" % (title, day, title)


def two_capsules(root):
    # The harness makes `capsule/`; these two sit beside it, named by the hosts' roots.
    base = os.path.dirname(root)
    write(os.path.join(base, "a", "index.gmi"), "# A\n\n{{ entries }}\n")
    write(os.path.join(base, "a", "bara-a.gmi"), "# Bara på A\n")
    write(os.path.join(base, "a", "artiklar", "forsta.txt"), article("Första i A", 1))
    write(os.path.join(base, "b", "index.gmi"), "# B\n\n{{ entries }}\n")
    write(os.path.join(base, "b", "posts", "first.txt"), article("First in B", 2))
    os.makedirs(root, exist_ok=True)


def sni_fingerprint(server, sni):
    """The SHA-256 fingerprint of the certificate the server shows for `sni` (None: no SNI)."""
    args = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % server.port, "-showcerts"]
    args += ["-servername", sni] if sni else ["-noservername"]
    out = subprocess.run(args, input=b"", capture_output=True, timeout=30,
                         env=dict(os.environ, OPENSSL_CONF=server.openssl_conf))
    pem = re.search(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out.stdout, re.S)
    assert pem, out.stdout[-500:] + out.stderr[-500:]
    fp = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem.group(0),
                        capture_output=True, check=True).stdout.decode()
    return fp.strip().split("=", 1)[1]


def file_fingerprint(path):
    fp = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-fingerprint", "-sha256"], capture_output=True,
                        check=True, text=True).stdout
    return fp.strip().split("=", 1)[1]


def new_pair(cert, key, name):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "30", "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name,
                    "-keyout", key, "-out", cert], capture_output=True, check=True)


class VirtualHosts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = KapselServer(capsule=two_capsules, hosts_toml=HOSTS, capsule_toml="watch = false").start()
        cls.cert_a = os.path.join(cls.server.dir, "certs", "a.test", "cert.pem")
        cls.cert_b = os.path.join(cls.server.dir, "certs", "b.test", "cert.pem")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def get(self, url, sni="a.test"):
        return request(self.server.port, url % self.server.port if "%d" in url else url, sni=sni)

    def test_each_host_shows_its_own_certificate(self):
        fa, fb = file_fingerprint(self.cert_a), file_fingerprint(self.cert_b)
        self.assertNotEqual(fa, fb)
        self.assertEqual(sni_fingerprint(self.server, "a.test"), fa)
        self.assertEqual(sni_fingerprint(self.server, "www.a.test"), fa)
        self.assertEqual(sni_fingerprint(self.server, "b.test"), fb)
        self.assertEqual(sni_fingerprint(self.server, "B.Test."), fb)
        # No SNI, or a name no host has: the first host's certificate.
        self.assertEqual(sni_fingerprint(self.server, None), fa)
        self.assertEqual(sni_fingerprint(self.server, "unknown.test"), fa)
        for cert, names in ((self.cert_a, ("a.test", "www.a.test")), (self.cert_b, ("b.test",))):
            text = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-ext", "subjectAltName"],
                                  capture_output=True, text=True, check=True).stdout
            self.assertEqual(sorted(re.findall(r"DNS:([^,\s]+)", text)), sorted(names))
        for fp, names in ((fa, "a.test, www.a.test"), (fb, "b.test")):
            self.server.wait_for_log(r"certificate SHA-256 fingerprint %s .* for %s$" % (fp, re.escape(names)))

    def test_each_host_serves_its_own_pages_and_feed(self):
        a = self.get("gemini://a.test:%d/")
        self.assertEqual(a.status, 20)
        self.assertIn(b"=> /artiklar/forsta.gmi 2024-01-01 - F\xc3\xb6rsta i A", a.body)
        self.assertNotIn(b"First in B", a.body)
        b = self.get("gemini://b.test:%d/", sni="b.test")
        self.assertEqual(b.header, "20 text/gemini; charset=utf-8; lang=en")
        self.assertIn(b"=> /posts/first.gmi 2024-01-02 - First in B", b.body)
        self.assertEqual(self.get("gemini://b.test:%d/bara-a.gmi", sni="b.test").status, 51)
        self.assertEqual(self.get("gemini://a.test:%d/bara-a.gmi").status, 20)
        feed_a = self.get("gemini://a.test:%d/atom.xml").body.decode()
        feed_b = self.get("gemini://b.test:%d/atom.xml", sni="b.test").body.decode()
        self.assertIn("<title>Kapsel A</title>", feed_a)
        self.assertIn("<id>tag:a.test,2024:feed</id>", feed_a)
        self.assertIn("Första i A", feed_a)
        self.assertNotIn("First in B", feed_a)
        self.assertIn("<title>Capsule B</title>", feed_b)
        self.assertIn('xml:lang="en"', feed_b)
        self.assertIn('href="gemini://b.test/posts/first.gmi"', feed_b)
        # An alias has its own feed URLs, and the same ids.
        feed_www = self.get("gemini://www.a.test:%d/atom.xml").body.decode()
        self.assertIn('href="gemini://www.a.test/artiklar/forsta.gmi"', feed_www)
        self.assertEqual(re.findall(r"<id>(.*?)</id>", feed_www), re.findall(r"<id>(.*?)</id>", feed_a))

    def test_the_request_not_sni_decides_the_capsule(self):
        r = self.get("gemini://b.test:%d/", sni="a.test")
        self.assertIn(b"# B", r.body)
        r = self.get("gemini://a.test:%d/", sni="b.test")
        self.assertIn(b"# A", r.body)
        r = self.get("gemini://a.test:%d/", sni=None)
        self.assertIn(b"# A", r.body)
        self.assertEqual(self.get("gemini://c.test:%d/").header, "53 This server does not serve that host")

    def test_the_access_log_says_which_host_was_asked(self):
        self.get("gemini://b.test:%d/?logged", sni="a.test")
        self.server.wait_for_log(r'"a\.test" "gemini://b\.test:\d+/\?logged" 20 ')


class HostReloads(unittest.TestCase):
    def start(self, watch=False):
        server = KapselServer(capsule=two_capsules, hosts_toml=HOSTS,
                              capsule_toml="watch = %s" % ("true" if watch else "false"))
        server.start()
        self.addCleanup(server.stop)
        return server

    def reload(self, server):
        mark = server.mark()
        server.signal(signal.SIGHUP)
        return server.wait_for_log(r"reloaded: |reload failed", since=mark)

    def test_one_broken_host_fails_the_reload_and_every_host_keeps_serving(self):
        server = self.start()
        base = server.dir
        write(os.path.join(base, "a", "artiklar", "ny.txt"), article("Ny i A", 3))
        write(os.path.join(base, "b", "posts", "broken.txt"), "+++\ntitle = \"Broken\"\npublished = 2024-02-30\n+++\nx\n")
        self.assertIn("reload failed", self.reload(server).group(0))
        server.wait_for_log(r"reload failed, still serving the previous capsule: .*b/posts/broken\.txt:3: ")
        self.assertEqual(request(server.port, "gemini://a.test:%d/artiklar/ny.gmi" % server.port).status, 51)
        self.assertEqual(request(server.port, "gemini://b.test:%d/" % server.port, sni="b.test").status, 20)
        os.remove(os.path.join(base, "b", "posts", "broken.txt"))
        self.assertIn("reloaded", self.reload(server).group(0))
        self.assertEqual(request(server.port, "gemini://a.test:%d/artiklar/ny.gmi" % server.port).status, 20)

    def test_a_replaced_certificate_is_served_after_sighup_and_a_broken_pair_keeps_the_old(self):
        server = self.start()
        cert_b = os.path.join(server.dir, "certs", "b.test", "cert.pem")
        key_b = os.path.join(server.dir, "certs", "b.test", "key.pem")
        old = file_fingerprint(cert_b)
        self.assertEqual(sni_fingerprint(server, "b.test"), old)
        # A renewed certificate (and key), written as a deploy tool does: new files renamed in.
        new_pair(cert_b + ".new", key_b + ".new", "b.test")
        os.rename(key_b + ".new", key_b)
        os.rename(cert_b + ".new", cert_b)
        renewed = file_fingerprint(cert_b)
        self.reload(server)
        server.wait_for_log(r"certificate SHA-256 fingerprint %s .* for b\.test$" % renewed)
        self.assertEqual(sni_fingerprint(server, "b.test"), renewed)
        self.assertEqual(sni_fingerprint(server, "a.test"), file_fingerprint(
            os.path.join(server.dir, "certs", "a.test", "cert.pem")))
        # A certificate whose key is another: refused, the renewed pair stays.
        new_pair(os.path.join(server.dir, "other.pem"), os.path.join(server.dir, "other.key"), "b.test")
        shutil.copy(os.path.join(server.dir, "other.pem"), cert_b)
        mark = server.mark()
        server.signal(signal.SIGHUP)
        warning = server.wait_for_log(r"certificate not reloaded: b\.test: (.*)", since=mark).group(1)
        self.assertIn("does not match the certificate", warning)
        self.assertIn("still serving the previous certificate " + renewed, warning)
        server.wait_for_log(r"reloaded: ", since=mark)
        self.assertEqual(sni_fingerprint(server, "b.test"), renewed)
        # An unreadable certificate: the same.
        write(cert_b, "not a certificate\n")
        mark = server.mark()
        server.signal(signal.SIGHUP)
        server.wait_for_log(r"certificate not reloaded: b\.test: .*cannot load the certificate", since=mark)
        self.assertEqual(sni_fingerprint(server, "b.test"), renewed)
        self.assertEqual(request(server.port, "gemini://b.test:%d/" % server.port, sni="b.test").status, 20)

    def test_the_watcher_reloads_a_renewed_certificate_by_itself(self):
        server = self.start(watch=True)
        server.wait_for_log(r"watching .* for changes")
        cert_a = os.path.join(server.dir, "certs", "a.test", "cert.pem")
        key_a = os.path.join(server.dir, "certs", "a.test", "key.pem")
        new_pair(cert_a + ".new", key_a + ".new", "a.test")
        mark = server.mark()
        os.rename(key_a + ".new", key_a)
        os.rename(cert_a + ".new", cert_a)
        renewed = file_fingerprint(cert_a)
        server.wait_for_log(r"certificate SHA-256 fingerprint %s .* for a\.test, www\.a\.test$" % renewed,
                            since=mark, timeout=10 * SLOW)
        self.assertEqual(sni_fingerprint(server, "www.a.test"), renewed)


if __name__ == "__main__":
    unittest.main()
