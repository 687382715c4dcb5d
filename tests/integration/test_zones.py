"""Private pages: client-certificate zones (60, 61, 62), with real self-signed client
certificates through Python's ssl and openssl s_client."""

import os
import subprocess
import unittest

from harness import KapselServer, client_context, request, write


def make_certificate(directory, name, start=None, end=None):
    """A self-signed client certificate, as Gemini clients make them; with `start`/`end`
    (YYYYMMDDHHMMSSZ), one valid only then (openssl ca sets the dates)."""
    key = os.path.join(directory, name + ".key")
    cert = os.path.join(directory, name + ".pem")
    if start is None:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "30", "-subj", "/CN=" + name, "-keyout", key, "-out", cert],
                       capture_output=True, check=True)
        return cert, key
    csr = os.path.join(directory, name + ".csr")
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", "/CN=" + name, "-keyout", key, "-out", csr], capture_output=True, check=True)
    ca = os.path.join(directory, "ca-" + name)
    os.makedirs(ca)
    write(os.path.join(ca, "index.txt"), "")
    write(os.path.join(ca, "serial"), "01\n")
    write(os.path.join(ca, "ca.cnf"), "[ca]\ndefault_ca = ca\n[ca]\ndatabase = %s/index.txt\nnew_certs_dir = %s\n"
          "serial = %s/serial\ndefault_md = sha256\npolicy = policy\n[policy]\ncommonName = supplied\n" % (ca, ca, ca))
    subprocess.run(["openssl", "ca", "-config", os.path.join(ca, "ca.cnf"), "-selfsign", "-keyfile", key, "-in", csr,
                    "-out", cert, "-startdate", start, "-enddate", end, "-batch"], capture_output=True, check=True)
    return cert, key


def fingerprint(cert):
    out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"], capture_output=True,
                         check=True, text=True).stdout
    return out.strip().split("=", 1)[1]


def capsule(root):
    write(os.path.join(root, "index.gmi"), "# Öppen\n")
    write(os.path.join(root, "oppen.gmi"), "# Öppen sida\n")
    write(os.path.join(root, "privat", "index.gmi"), "# Privat\n")
    write(os.path.join(root, "privat", "sida.gmi"), "# Privat sida\n")
    write(os.path.join(root, "privatlik.gmi"), "# Inte privat, bara lika namn\n")
    write(os.path.join(root, "medlemmar", "index.gmi"), "# För alla med certifikat\n")


class Zones(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = KapselServer(capsule=capsule)  # its directory holds the client certificates
        d = cls.tmp.dir
        cls.allowed = make_certificate(d, "tillaten")
        cls.other = make_certificate(d, "annan")
        cls.expired = make_certificate(d, "utgangen", "20200101000000Z", "20200102000000Z")
        cls.future = make_certificate(d, "framtida", "20990101000000Z", "20990102000000Z")
        allowed_fp = fingerprint(cls.allowed[0])
        # Fingerprints in either spelling: colons and upper case, or bare lower-case hex.
        zones = ('[[zone]]\npath = "/privat/"\nallow = ["%s", "%s"]\n[[zone]]\npath = "/medlemmar"\n'
                 % (allowed_fp.replace(":", "").lower(), fingerprint(cls.expired[0])))
        with open(cls.tmp.config) as f:
            text = f.read()
        with open(cls.tmp.config, "w") as f:
            f.write(text + zones)
        cls.server = cls.tmp.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def get(self, path, cert=None):
        ctx = client_context()
        if cert:
            ctx.load_cert_chain(*cert)
        return request(self.server.port, self.server.url(path), context=ctx)

    def test_no_certificate_is_60_inside_a_zone(self):
        for path in ("/privat/", "/privat", "/privat/sida.gmi", "/privat/saknas.gmi", "/medlemmar/"):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.header, "60 Client certificate required")
                self.assertEqual(r.body, b"")

    def test_an_allowed_certificate_gets_the_page(self):
        r = self.get("/privat/sida.gmi", self.allowed)
        self.assertEqual((r.status, r.body), (20, "# Privat sida\n".encode()))
        self.assertEqual(self.get("/privat/", self.allowed).body, b"# Privat\n")
        self.assertEqual(self.get("/privat/saknas.gmi", self.allowed).status, 51)

    def test_a_certificate_is_not_carried_over_to_the_next_connection(self):
        # Nothing of an allowed client's handshake lets the next client in, whether it sends
        # no certificate or another one (a server that reuses its SSL objects, as tried in
        # bench/README.md, must drop the session that holds the certificate).
        for _ in range(3):
            self.assertEqual(self.get("/privat/sida.gmi", self.allowed).status, 20)
            self.assertEqual(self.get("/privat/sida.gmi").header, "60 Client certificate required")
            self.assertEqual(self.get("/privat/sida.gmi", self.allowed).status, 20)
            self.assertEqual(self.get("/privat/sida.gmi", self.other).header, "61 Certificate not authorised here")

    def test_another_certificate_is_61(self):
        r = self.get("/privat/sida.gmi", self.other)
        self.assertEqual(r.header, "61 Certificate not authorised here")

    def test_a_certificate_outside_its_dates_is_62_even_when_allowed(self):
        for cert in (self.expired, self.future):
            with self.subTest(cert=cert[0]):
                r = self.get("/privat/sida.gmi", cert)
                self.assertEqual(r.header, "62 Certificate not valid: expired or not yet valid")

    def test_a_zone_without_allow_takes_any_valid_certificate(self):
        self.assertEqual(self.get("/medlemmar/", self.other).status, 20)
        self.assertEqual(self.get("/medlemmar/", self.allowed).status, 20)
        self.assertEqual(self.get("/medlemmar/", self.expired).status, 62)

    def test_outside_zones_a_certificate_changes_nothing(self):
        for path in ("/", "/oppen.gmi", "/privatlik.gmi"):
            with self.subTest(path=path):
                plain = self.get(path)
                self.assertEqual(plain.status, 20)
                self.assertEqual(self.get(path, self.other).raw, plain.raw)
                self.assertEqual(self.get(path, self.expired).raw, plain.raw)

    def test_openssl_s_client_with_a_certificate(self):
        for cert, status in ((self.allowed, b"20 "), (self.other, b"61 ")):
            out = subprocess.run(["openssl", "s_client", "-quiet", "-connect", "127.0.0.1:%d" % self.server.port,
                                  "-servername", "localhost", "-cert", cert[0], "-key", cert[1]],
                                 input=(self.server.url("/privat/sida.gmi") + "\r\n").encode(), capture_output=True,
                                 timeout=30, env=dict(os.environ, OPENSSL_CONF=self.server.openssl_conf))
            self.assertTrue(out.stdout.startswith(status), out.stdout[:80] + out.stderr[-300:])

    def test_the_access_log_records_the_fingerprint(self):
        self.get("/oppen.gmi?logga-mig", self.allowed)
        line = self.server.wait_for_log(r'/oppen\.gmi\?logga-mig" 20 .* ([0-9A-F:]{95})$')
        self.assertEqual(line.group(1), fingerprint(self.allowed[0]))
        self.get("/oppen.gmi?utan-certifikat")
        self.server.wait_for_log(r'/oppen\.gmi\?utan-certifikat" 20 \d+ [\d.]+ms -$')


class ZoneSettings(unittest.TestCase):
    def test_a_malformed_zone_is_refused_at_its_line(self):
        for zone, message in (('path = "privat"', "must be an absolute path"),
                              ('path = "/a/../b"', "must be an absolute path"),
                              ('path = "/p"\nallow = ["AB:CD"]', "is not a SHA-256 fingerprint"),
                              ('allow = []', "needs path")):
            with self.subTest(zone=zone):
                server = KapselServer(extra_toml="[[zone]]\n" + zone + "\n")
                self.addCleanup(server.discard)
                p = server.run("check")
                self.assertEqual(p.returncode, 2)
                self.assertRegex(p.stderr.decode(), r"server\.toml:\d+:\d+: .*" + message)


if __name__ == "__main__":
    unittest.main()
