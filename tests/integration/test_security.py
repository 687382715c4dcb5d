"""Hostile input through the real server: traversal, dot-files, symlinks, TLS offer, root."""

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import KapselServer, request, request_until_closed, require, write

SECRET = "TOP-SECRET-OUTSIDE-THE-CAPSULE"


def capsule_with_secrets(root):
    write(os.path.join(root, "index.gmi"), "# Kapsel\n")
    write(os.path.join(root, "sub", "page.gmi"), "# Sida\n")
    write(os.path.join(root, ".env"), SECRET + " dot-file\n")
    write(os.path.join(root, "sub", ".secret"), SECRET + " nested dot-file\n")
    write(os.path.join(root, "..secret"), SECRET + " double-dot file\n")
    # Outside the root, where a traversal would lead: ../outside.txt and /etc/passwd.
    write(os.path.join(os.path.dirname(root), "outside.txt"), SECRET + " outside\n")
    os.symlink("sub/page.gmi", os.path.join(root, "inside-link.gmi"))  # stays inside: served


TRAVERSALS = [
    "/../outside.txt", "/../../etc/passwd", "/../server.toml", "/../certs/key.pem",
    "/sub/../../outside.txt", "/a/b/c/../../../../outside.txt",
    "/%2e%2e/outside.txt", "/%2E%2E/outside.txt", "/%2e%2E/outside.txt", "/.%2e/outside.txt",
    "/%2e./outside.txt", "/..%2Foutside.txt", "/..%2foutside.txt", "/%2e%2e%2Foutside.txt",
    "/%2e%2e%2fetc%2fpasswd", "/sub/..%2F..%2Foutside.txt", "/..%5Coutside.txt", "/..%5coutside.txt",
    "/%5c..%5coutside.txt", "/..\\outside.txt", "/sub\\..\\..\\outside.txt",
    "/%252e%252e/outside.txt", "/%252e%252e%252foutside.txt", "/%25%32%65%25%32%65/outside.txt",
    "/%c0%ae%c0%ae/outside.txt", "/%c0%ae%c0%ae%c0%afoutside.txt", "/%e0%80%ae%e0%80%ae/outside.txt",
    "/%c1%9c..%c1%9coutside.txt", "/..%00/outside.txt", "/%00/../outside.txt", "/index.gmi%00.txt",
    "/.env", "/.ENV", "/.%65nv", "/%2eenv", "/%2Eenv", "/sub/.secret", "/sub/%2esecret",
    "/sub/./.secret", "/./.env", "/..secret", "/%2e%2esecret", "/sub/../.env", "/...",
    "/..;/outside.txt", "/.../outside.txt", "/..../outside.txt", "//../outside.txt",
    "/./../outside.txt", "/sub/./../../outside.txt", "/%2e/%2e%2e/outside.txt",
    "/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/" + "../" * 40 + "etc/passwd",
    "/%u002e%u002e/outside.txt", "/..%c0%af..%c0%afoutside.txt", "/.git/config", "/.well-known/../.env",
]


class Traversal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = KapselServer(capsule=capsule_with_secrets).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_no_request_reaches_a_file_outside_the_root_or_a_dot_file(self):
        self.assertGreaterEqual(len(TRAVERSALS), 50)
        for path in TRAVERSALS:
            for host in ("localhost", "LOCALHOST"):
                with self.subTest(path=path, host=host):
                    r = request(self.server.port, "gemini://%s:%d%s" % (host, self.server.port, path))
                    self.assertIsNotNone(r.status, r.raw[:80])
                    self.assertNotIn(SECRET.encode(), r.raw)
                    self.assertNotIn(b"root:", r.raw)
                    self.assertNotIn(b"PRIVATE KEY", r.raw)
                    self.assertNotIn(b"[server]", r.raw)
                    if r.status == 20:
                        # Only ever capsule content (dot segments resolve inside the root).
                        self.assertIn(r.body, (b"# Kapsel\n", b"# Sida\n"))
                    else:
                        self.assertIn(r.status, (31, 51, 59))

    def test_symlink_inside_the_root_is_served(self):
        r = request(self.server.port, self.server.url("/inside-link.gmi"))
        self.assertEqual(r.status, 20)
        self.assertEqual(r.body, b"# Sida\n")

    def test_symlink_outside_the_root_stops_check_and_start(self):
        def capsule(root):
            write(os.path.join(root, "index.gmi"), "# x\n")
            os.symlink("/etc/passwd", os.path.join(root, "passwd.txt"))

        tmp = KapselServer(capsule=capsule)
        self.addCleanup(tmp.discard)
        for command in ("check", "serve"):
            with self.subTest(command=command):
                p = tmp.run(command)
                self.assertEqual(p.returncode, 2)
                self.assertRegex(p.stderr.decode(), r"passwd\.txt.*outside the capsule root")


class TlsOffer(unittest.TestCase):
    def test_scan_shows_only_modern_tls(self):
        with KapselServer() as server:
            env = dict(os.environ, OPENSSL_CONF=server.openssl_conf)
            scan = subprocess.run(["sslscan", "--no-colour", "127.0.0.1:%d" % server.port],
                                  capture_output=True, timeout=120, env=env).stdout.decode()
        protocols = dict(re.findall(r"^(SSLv2|SSLv3|TLSv1\.[0-3])\s+(enabled|disabled)", scan, re.M))
        self.assertEqual(protocols, {"SSLv2": "disabled", "SSLv3": "disabled", "TLSv1.0": "disabled",
                                     "TLSv1.1": "disabled", "TLSv1.2": "enabled", "TLSv1.3": "enabled"}, scan)
        self.assertIn("Session renegotiation not supported", scan)
        ciphers = re.findall(r"^(?:Preferred|Accepted)\s+TLSv1\.2\s+\d+ bits\s+(\S+)", scan, re.M)
        self.assertTrue(ciphers, scan)
        for cipher in ciphers:
            self.assertRegex(cipher, r"^ECDHE-.*(GCM|CHACHA20)", "TLS 1.2 cipher without forward secrecy or AEAD")
        self.assertNotRegex(scan, r"(?i)compression enabled")


class Privileges(unittest.TestCase):
    def setUp(self):
        require(self, "root", os.geteuid() == 0, "dropping root is tested only when started as root")

    def test_started_as_root_it_serves_as_the_configured_user(self):
        nobody = pwd.getpwnam("nobody")
        with KapselServer(user="nobody") as server:
            server.wait_for_log(r"switched to user nobody")
            with open("/proc/%d/status" % server.process.pid) as f:
                status = f.read()
            uids = re.search(r"^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", status, re.M).groups()
            self.assertEqual(set(uids), {str(nobody.pw_uid)})
            self.assertEqual(request(server.port, server.url("/")).status, 20)

    @staticmethod
    def logs_as_nobody(log_dir_owner):
        """A server started as root that serves as nobody, logging to logs/access.log; the
        test directory is opened up so that nobody can read the configuration and capsule."""
        server = KapselServer(user="nobody", access_log="logs/access.log")
        os.chmod(server.dir, 0o755)
        logs = os.path.join(server.dir, "logs")
        os.mkdir(logs, 0o755)
        os.chown(logs, log_dir_owner, -1)
        return server, logs

    @staticmethod
    def open_files(pid):
        names = []
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                names.append(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
            except OSError:
                pass
        return names

    def wait_closed(self, pid, path, timeout=5.0):
        deadline = time.monotonic() + timeout
        while any(name.startswith(path) for name in self.open_files(pid)):
            self.assertLess(time.monotonic(), deadline, "%s still open: %s" % (path, self.open_files(pid)))
            time.sleep(0.02)

    def test_log_rotation_works_with_the_shipped_account(self):
        # The documented rotation, with user = "nobody" and a log directory nobody may write:
        # new lines go to the new file, and every rotated file is closed.
        server, logs = self.logs_as_nobody(pwd.getpwnam("nobody").pw_uid)
        log = os.path.join(logs, "access.log")
        with server:
            self.assertEqual(request_until_closed(server, "/?first"), b"20")
            self.assertEqual(os.stat(log).st_uid, pwd.getpwnam("nobody").pw_uid)
            for n, marker in ((1, "second"), (2, "third")):
                os.rename(log, "%s.%d" % (log, n))
                mark = server.mark()
                server.signal(signal.SIGHUP)
                server.wait_for_log(r"reloaded: ", since=mark)
                self.assertEqual(request_until_closed(server, "/?" + marker), b"20")
                with open(log) as f:
                    self.assertIn("/?%s\" 20 " % marker, f.read())
                self.wait_closed(server.process.pid, "%s.%d" % (log, n))
            with open(log + ".1") as f:
                rotated = f.read()
            self.assertIn("/?first\" 20 ", rotated)
            self.assertNotIn("?second", rotated)
            self.assertFalse([line for line in server.log if "not reopened" in line], server.log)

    def test_a_log_directory_the_account_cannot_write_is_refused_at_start(self):
        server, logs = self.logs_as_nobody(0)  # root's, mode 0755
        self.addCleanup(server.discard)
        for command in ("check", "serve"):
            with self.subTest(command=command):
                p = server.run(command)
                self.assertEqual(p.returncode, 2)
                err = p.stderr.decode()
                self.assertRegex(err, r"server\.toml:\d+:\d+: log\.access_log: %s is not writable by user nobody"
                                 % re.escape(logs))
                self.assertIn("chown nobody " + logs, err)

    def test_root_without_a_user_is_refused(self):
        tmp = KapselServer(server={"allow_root": "false"})
        self.addCleanup(tmp.discard)
        p = tmp.run("serve")
        self.assertEqual(p.returncode, 2)
        self.assertIn("refusing to serve as root", p.stderr.decode())


class Certificates(unittest.TestCase):
    def fingerprint(self, cert):
        out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"],
                             capture_output=True, check=True, text=True).stdout
        return out.strip().split("=", 1)[1]

    def test_first_start_makes_a_self_signed_certificate_and_never_replaces_it(self):
        server = KapselServer(hostnames=("gemini.example.org", "localhost"))
        server.start()
        try:
            cert = os.path.join(server.dir, "certs", "cert.pem")
            key = os.path.join(server.dir, "certs", "key.pem")
            self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
            logged = server.wait_for_log(r"certificate SHA-256 fingerprint (\S+)").group(1)
            self.assertEqual(logged, self.fingerprint(cert))
            text = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-text"],
                                  capture_output=True, check=True, text=True).stdout
            self.assertIn("ASN1 OID: prime256v1", text)
            for san in ("DNS:gemini.example.org", "DNS:localhost", "IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1"):
                self.assertIn(san, text)
            with open(key, "rb") as f:
                key_bytes = f.read()
            server.process.send_signal(15)
            self.assertEqual(server.process.wait(timeout=15), 0)
            server.start()
            self.assertEqual(server.wait_for_log(r"certificate SHA-256 fingerprint (\S+)").group(1), logged)
            with open(key, "rb") as f:
                self.assertEqual(f.read(), key_bytes)
            self.assertEqual(request(server.port, server.url("/")).status, 20)
        finally:
            server.stop()

    def test_a_certificate_without_its_key_is_refused(self):
        server = KapselServer()
        self.addCleanup(server.discard)
        write(os.path.join(server.dir, "certs", "cert.pem"), "not really a certificate\n")
        p = server.run("serve")
        self.assertEqual(p.returncode, 2)
        self.assertRegex(p.stderr.decode(), r"key\.pem: missing, but its certificate .* exists")


class Landlock(unittest.TestCase):
    def test_reload_cannot_read_outside_what_was_allowed_at_start(self):
        with KapselServer(capsule_toml="watch = false") as server:
            line = server.wait_for_log(r"Landlock[^\n]*").group(0)
            require(self, "landlock", "limited to reading" in line, "this kernel offers no Landlock: " + line)
            # Outside the configuration's directory and the capsule: not readable any more.
            elsewhere = tempfile.mkdtemp(prefix="kapsel-elsewhere-")
            self.addCleanup(shutil.rmtree, elsewhere, True)
            write(os.path.join(elsewhere, "index.gmi"), "# Elsewhere\n")
            with open(server.config) as f:
                text = f.read()
            with open(server.config, "w") as f:
                f.write(text.replace('root = "capsule"', 'root = "%s"' % elsewhere))
            server.signal(1)  # SIGHUP
            m = server.wait_for_log(r"reload failed, still serving the previous capsule: (.*)")
            self.assertIn(elsewhere, m.group(1))
            r = request(server.port, server.url("/"))
            self.assertEqual(r.body, b"# Testkapsel\n\n=> /sub/ Underkatalog\n")

    def test_a_capsule_swapped_in_by_rename_reloads(self):
        # A deploy step: mv capsule capsule.old && mv capsule.new capsule, with the capsule
        # outside the configuration's directory. Landlock allows the capsule's parent.
        site = tempfile.mkdtemp(prefix="kapsel-site-")
        self.addCleanup(shutil.rmtree, site, True)
        root = os.path.join(site, "capsule")
        write(os.path.join(root, "index.gmi"), "# Gammal\n")
        write(os.path.join(site, "capsule.new", "index.gmi"), "# Ny version\n")
        server = KapselServer(capsule_toml="watch = false")
        with open(server.config) as f:
            text = f.read()
        with open(server.config, "w") as f:
            f.write(text.replace('root = "capsule"', 'root = "%s"' % root))
        with server:
            line = server.wait_for_log(r"Landlock[^\n]*").group(0)
            require(self, "landlock", "limited to reading" in line, "this kernel offers no Landlock: " + line)
            self.assertEqual(request(server.port, server.url("/")).body, b"# Gammal\n")
            os.rename(root, os.path.join(site, "capsule.old"))
            os.rename(os.path.join(site, "capsule.new"), root)
            mark = server.mark()
            server.signal(signal.SIGHUP)
            server.wait_for_log(r"reloaded: ", since=mark)
            self.assertEqual(request(server.port, server.url("/")).body, b"# Ny version\n")

    def test_reload_reads_a_config_file_replaced_by_rename(self):
        # Editors and deploy tools write a new file and rename it over the old one. The new
        # file says something new (another host name), and only SIGHUP reloads here.
        with KapselServer(capsule_toml="watch = false") as server:
            line = server.wait_for_log(r"Landlock[^\n]*").group(0)
            require(self, "landlock", "limited to reading" in line, "this kernel offers no Landlock: " + line)
            with open(server.config) as f:
                text = f.read()
            self.assertEqual(request(server.port, "gemini://renamed.example/").status, 53)
            write(server.config + ".new", text.replace('hostnames = ["localhost"]',
                                                       'hostnames = ["localhost", "renamed.example"]'))
            os.rename(server.config + ".new", server.config)
            mark = server.mark()
            server.signal(signal.SIGHUP)
            server.wait_for_log(r"reloaded: ", since=mark)
            r = request(server.port, "gemini://renamed.example/")
            self.assertEqual((r.status, r.body), (20, b"# Testkapsel\n\n=> /sub/ Underkatalog\n"))


if __name__ == "__main__":
    unittest.main()
