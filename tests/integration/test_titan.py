"""Titan uploads through the real server, with a Titan client of the suite's own (Python's ssl):
publishing, editing and deleting articles, every refusal with its status and nothing written,
bodies that are short, long or stall, concurrent uploads, crash leftovers, client certificates."""

import datetime
import os
import re
import signal
import socket
import ssl
import threading
import time
import unittest

import feedparser  # Debian's python3-feedparser

from harness import KapselServer, SLOW, client_context, read_all, request, tls_connect, write
from test_zones import fingerprint, make_certificate

TOKEN = "hemligt-token-0123456789"
ARTICLE = ("+++\ntitle = \"Den första\"\nslug = \"forsta\"\npublished = 2024-05-01T08:00:00+02:00\n+++\n"
           "Den första\n\nEtt stycke om något.\n")


def capsule(root):
    write(os.path.join(root, "index.gmi"), "# Testkapsel\n\n{{ entries }}\n")
    write(os.path.join(root, "artiklar", "forsta.txt"), ARTICLE)
    write(os.path.join(root, "artiklar", "ren.txt"), "Ren text utan front matter.\n")
    write(os.path.join(root, "artiklar", "bild.png"), b"\x89PNG\r\n\x1a\n", "wb")
    os.makedirs(os.path.join(root, "artiklar", "mapp.gmi"))
    write(os.path.join(root, "artiklar", "mapp.gmi", "index.gmi"), "# En katalog med ett dokumentnamn\n")
    os.symlink("ren.txt", os.path.join(root, "artiklar", "lank.txt"))
    write(os.path.join(root, "anteckningar", "om.gmi"), "# Om\n")
    write(os.path.join(root, "extra", "x.gmi"), "# Extra\n")


def titan_toml(**overrides):
    settings = {"enabled": "true", "paths": '["artiklar", "extra"]', "tokens": '["%s"]' % TOKEN}
    settings.update(overrides)
    return "[feed]\npaths = [\"artiklar\"]\n[titan]\n" + "".join("%s = %s\n" % kv for kv in settings.items())


def titan_line(server, path, size, token=TOKEN, mime=None, host="localhost"):
    line = "titan://%s:%d%s;size=%d" % (host, server.port, path, size)
    if mime:
        line += ";mime=" + mime
    if token is not None:
        line += ";token=" + token
    return line


def upload(server, path, body, token=TOKEN, mime=None, size=None, context=None, host="localhost"):
    """One Titan upload, the header and the body in one write; the whole response."""
    body = body.encode("utf-8") if isinstance(body, str) else body
    line = titan_line(server, path, len(body) if size is None else size, token, mime, host)
    with tls_connect(server.port, sni=host, context=context) as s:
        s.sendall(line.encode("utf-8") + b"\r\n" + body)
        raw, close_notify = read_all(s)
    return Response(raw, close_notify)


class Response:
    def __init__(self, raw, close_notify):
        head, _, self.body = raw.partition(b"\r\n")
        self.header = head.decode("utf-8", "replace")
        self.status = int(self.header[:2]) if re.match(r"^\d\d ", self.header) else None
        self.meta = self.header[3:]
        self.close_notify = close_notify


def snapshot(root):
    """Every file below `root`, dot-files (and so temporary files) included: path → bytes or link."""
    files = {}
    for directory, dirs, names in os.walk(root):
        for name in dirs + names:
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                files[rel] = ("link", os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    files[rel] = f.read()
    return files


def feed_entries(server):
    return feedparser.parse(request(server.port, server.url("/atom.xml")).body).entries


class Publishing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = KapselServer(capsule=capsule, extra_toml=titan_toml()).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def get(self, path):
        return request(self.server.port, self.server.url(path))

    def test_a_new_article_is_served_indexed_and_in_the_feed_when_the_30_arrives(self):
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        body = "Skrivet i en Gemini-klient\n\nFörsta stycket, med åäö.\n\nAndra stycket.\n"
        r = upload(self.server, "/artiklar/ny-artikel.txt", body, mime="text/plain")
        after = datetime.datetime.now(datetime.timezone.utc)
        self.assertEqual(r.header, "30 " + self.server.url("/artiklar/ny-artikel.gmi"))
        self.assertEqual((r.body, r.close_notify), (b"", True))
        # Served as soon as the 30 is in: page, plain text, the gemsub index, the Atom feed.
        page = self.get("/artiklar/ny-artikel.gmi")
        self.assertEqual(page.status, 20)
        self.assertIn("# Skrivet i en Gemini-klient".encode(), page.body)
        self.assertIn("Första stycket, med åäö.".encode(), page.body)
        self.assertEqual(self.get("/artiklar/ny-artikel.txt").body, body.encode())
        today = before.strftime("%Y-%m-%d")
        self.assertIn(("=> /artiklar/ny-artikel.gmi %s - Skrivet i en Gemini-klient" % today).encode(),
                      self.get("/").body)
        entry = next(e for e in feed_entries(self.server) if e.title == "Skrivet i en Gemini-klient")
        self.assertIn("gemini://localhost/artiklar/ny-artikel.gmi", [link.href for link in entry.links])
        # The front matter kapsel wrote: title from the first line, slug from the name, published now.
        with open(os.path.join(self.server.capsule, "artiklar", "ny-artikel.txt"), encoding="utf-8") as f:
            written = f.read()
        m = re.match(r'\+\+\+\ntitle = "Skrivet i en Gemini-klient"\nslug = "ny-artikel"\n'
                     r'published = (\S+)\n\+\+\+\n(.*)\Z', written, re.S)
        self.assertIsNotNone(m, written)
        published = datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
        self.assertTrue(before <= published <= after, (before, published, after))
        self.assertEqual(m.group(2), body)

    def test_gemtext_is_served_as_written(self):
        body = "# En anteckning\n\n=> /artiklar/forsta.gmi Den första\n"
        r = upload(self.server, "/extra/anteckning.gmi", body)  # mime defaults to text/gemini
        self.assertEqual(r.header, "30 " + self.server.url("/extra/anteckning.gmi"))
        self.assertEqual(self.get("/extra/anteckning.gmi").body, body.encode())

    def test_an_edit_keeps_published_and_moves_updated(self):
        start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        first = ("+++\ntitle = \"Redigerad\"\npublished = 2021-02-03T04:05:06Z\nsummary = \"Kort.\"\n+++\n"
                 "Redigerad\n\nFörsta versionen.\n")
        self.assertEqual(upload(self.server, "/artiklar/redigerad.txt", first, mime="text/plain").status, 30)
        entry = next(e for e in feed_entries(self.server) if e.title == "Redigerad")
        self.assertEqual(entry.published, "2021-02-03T04:05:06Z")
        self.assertEqual(entry.updated, "2021-02-03T04:05:06Z")
        # The text alone, as a client edits what it fetched: the header stays, updated moves.
        r = upload(self.server, "/artiklar/redigerad.gmi", "Redigerad\n\nAndra versionen.\n", mime="text/plain")
        self.assertEqual(r.header, "30 " + self.server.url("/artiklar/redigerad.gmi"))
        self.assertIn("Andra versionen.".encode(), self.get("/artiklar/redigerad.gmi").body)
        entry = next(e for e in feed_entries(self.server) if e.title == "Redigerad")
        self.assertEqual(entry.published, "2021-02-03T04:05:06Z")
        updated = datetime.datetime.fromisoformat(entry.updated.replace("Z", "+00:00"))
        self.assertGreaterEqual(updated, start)
        self.assertEqual(entry.summary, "Kort.")

    def test_deletion_is_gone_from_the_page_and_the_feed_also_after_a_restart(self):
        body = "Ska bort\n\nSnart borta.\n"
        self.assertEqual(upload(self.server, "/artiklar/ska-bort.txt", body, mime="text/plain").status, 30)
        self.assertTrue(any(e.title == "Ska bort" for e in feed_entries(self.server)))
        r = upload(self.server, "/artiklar/ska-bort.gmi", b"")  # size=0 deletes, through the page's URL
        self.assertEqual(r.header, "30 " + self.server.url("/artiklar/ska-bort.gmi"))
        for path in ("/artiklar/ska-bort.gmi", "/artiklar/ska-bort.txt"):
            self.assertEqual(self.get(path).header, "52 Gone")
        self.assertFalse(any(e.title == "Ska bort" for e in feed_entries(self.server)))
        self.assertNotIn(b"ska-bort", self.get("/").body)
        self.assertFalse(os.path.exists(os.path.join(self.server.capsule, "artiklar", "ska-bort.txt")))
        with open(os.path.join(self.server.capsule, ".kapsel", "deleted")) as f:
            state = f.read()
        self.assertIn("/artiklar/ska-bort.gmi\n/artiklar/ska-bort.txt\n", state)
        self.assertEqual(upload(self.server, "/artiklar/ska-bort.gmi", b"").header,
                         "51 Nothing to delete at /artiklar/ska-bort.gmi")

        self.server.signal(signal.SIGTERM)
        self.assertEqual(self.server.process.wait(15), 0)
        self.server.start()
        self.assertEqual(self.get("/artiklar/ska-bort.gmi").header, "52 Gone")
        self.assertFalse(any(e.title == "Ska bort" for e in feed_entries(self.server)))

        # Published again under the same name: served again, no longer listed as deleted.
        self.assertEqual(upload(self.server, "/artiklar/ska-bort.txt", "Tillbaka\n", mime="text/plain").status, 30)
        self.assertEqual(self.get("/artiklar/ska-bort.gmi").status, 20)
        with open(os.path.join(self.server.capsule, ".kapsel", "deleted")) as f:
            self.assertNotIn("ska-bort", f.read())

    def test_front_matter_is_checked_as_check_does_at_the_line_sent(self):
        before = snapshot(self.server.capsule)
        cases = (
            ("+++\ntitle = \"T\"\ntitel = \"stavfel\"\n+++\nT\n",
             '59 3: unknown front matter key "titel" (known: title, slug, authors, published, updated, published_in, '
             'lang, summary, related, aliases, id)'),
            ("+++\ntitle = \"T\"\npublished = 2024-02-30\n+++\nT\n", "59 3: front matter:"),
            ("+++\ntitle = \"T\"\nslug = \"annat\"\n+++\nT\n", '59 3: slug must be "fel"'),
            # Found by the build of the whole capsule, not the document alone: still the line sent.
            ("+++\ntitle = \"T\"\n\nrelated = [\"/finns/inte.gmi\"]\n+++\nT\n",
             '59 4: related path "/finns/inte.gmi" is not in the capsule'),
            ("T\n\nett \x01 tecken\n", "59 3: character U+0001 is not allowed in XML 1.0"),
        )
        for body, header in cases:
            with self.subTest(header=header):
                r = upload(self.server, "/artiklar/fel.txt", body, mime="text/plain")
                self.assertTrue(r.header.startswith(header), r.header)
        self.assertEqual(snapshot(self.server.capsule), before)
        self.assertEqual(self.get("/artiklar/fel.gmi").status, 51)

    def test_an_id_another_document_has_is_refused_naming_it(self):
        body = "+++\ntitle = \"Samma id\"\nid = \"forsta\"\n+++\nSamma id\n"
        r = upload(self.server, "/artiklar/samma-id.txt", body, mime="text/plain")
        self.assertEqual(r.status, 59)
        self.assertIn('duplicate id "forsta"', r.meta)
        self.assertIn("forsta.txt", r.meta)

    def test_edit_page_with_titan_as_lagrange_does_it(self):
        # Lagrange's "Edit Page with Titan": the page's source asked for with ";edit" (no size, no
        # token), then the edited text sent back to the page's URL, always as text/plain.
        edit = "titan://localhost:%d/artiklar/forsta.gmi;edit" % self.server.port
        r = request(self.server.port, edit)
        self.assertEqual((r.header, r.body.decode()), ("20 text/plain; charset=utf-8", ARTICLE))
        edited = r.body.decode().replace("Ett stycke om något.", "Ett nytt stycke.")
        r = upload(self.server, "/artiklar/forsta.gmi", edited, mime="text/plain")
        self.assertEqual(r.header, "30 " + self.server.url("/artiklar/forsta.gmi"))
        self.assertIn("Ett nytt stycke.".encode(), self.get("/artiklar/forsta.gmi").body)
        entry = next(e for e in feed_entries(self.server) if e.title == "Den första")
        self.assertEqual(entry.published, "2024-05-01T08:00:00+02:00")
        self.assertNotEqual(entry.updated, entry.published)
        # A gemtext document edited the same way stays gemtext.
        note = "+++\ntitle = \"Not\"\npublished = 2024-01-01\n+++\n# Not\n\n* en punkt\n"
        self.assertEqual(upload(self.server, "/extra/not.gmi", note).status, 30)
        r = request(self.server.port, "titan://localhost:%d/extra/not.gmi;edit" % self.server.port)
        self.assertEqual((r.header, r.body.decode()), ("20 text/gemini; charset=utf-8", note))
        r = upload(self.server, "/extra/not.gmi", note.replace("en punkt", "två punkter"), mime="text/plain")
        self.assertEqual(r.header, "30 " + self.server.url("/extra/not.gmi"))
        self.assertIn(b"* tv\xc3\xa5 punkter", self.get("/extra/not.gmi").body)
        self.assertFalse(os.path.exists(os.path.join(self.server.capsule, "extra", "not.txt")))
        for path, header in (("/artiklar/saknas.gmi", "51 Nothing to edit at /artiklar/saknas.gmi yet: upload to it "
                                                      "to make it"),
                             ("/artiklar/ren.txt", "59 /artiklar/ren.txt is not a document (no front matter); uploads "
                                                   "do not edit it"),
                             ("/anteckningar/om.gmi", "59 Uploads go only into /artiklar/ or /extra/")):
            with self.subTest(path=path):
                r = request(self.server.port, "titan://localhost:%d%s;edit" % (self.server.port, path))
                self.assertEqual(r.header, header)

    def test_each_upload_is_logged_and_the_token_never(self):
        mark = self.server.mark()
        upload(self.server, "/artiklar/loggad.txt", "Loggad\n", mime="text/plain")
        self.server.wait_for_log(r'"titan://localhost:\d+/artiklar/loggad\.txt;size=7;mime=text/plain;token=\*" 30 ',
                                 since=mark)
        self.server.wait_for_log(r"upload from 127\.0\.0\.1:\d+ \(token\) to /artiklar/loggad\.txt, 7 of 7 bytes: "
                                 r"30 gemini://localhost:\d+/artiklar/loggad\.gmi$", since=mark)
        upload(self.server, "/artiklar/loggad.txt", "x", token="fel-token-0123456789abc")
        self.server.wait_for_log(r"upload from 127\.0\.0\.1:\d+: 61 Token not accepted$", since=mark)
        self.assertFalse([line for line in self.server.lines_since(mark) if TOKEN in line or "fel-token" in line])


class Refusals(unittest.TestCase):
    """Each refusal with its status and META, and nothing written (no temporary file either)."""

    @classmethod
    def setUpClass(cls):
        cls.server = KapselServer(capsule=capsule, extra_toml=titan_toml(max_size="1000")).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.before = snapshot(self.server.capsule)

    def tearDown(self):
        self.assertEqual(snapshot(self.server.capsule), self.before)

    def check(self, path, body, header, **kw):
        r = upload(self.server, path, body, **kw)
        self.assertEqual(r.header, header)
        self.assertTrue(r.close_notify)

    def test_who_may_upload(self):
        self.check("/artiklar/x.txt", "X\n", "60 Uploading needs a token: add ;token=... to the URL", token=None,
                   mime="text/plain")
        self.check("/artiklar/x.txt", "X\n", "61 Token not accepted", token="inte-rätt-token-0123", mime="text/plain")
        self.check("/artiklar/x.txt", "X\n", "61 Token not accepted", token="", mime="text/plain")

    def test_types_and_encodings(self):
        self.check("/artiklar/x.gmi", "X\n", "59 Only text/plain and text/gemini are uploaded, not image/png",
                   mime="image/png")
        self.check("/artiklar/x.gmi", "X\n", "59 mime type parameters are not accepted",
                   mime="text/plain%3Bcharset=latin1")
        self.check("/artiklar/x.txt", "X\n", "59 text/gemini is uploaded to x.gmi; x.txt is a plain text's "
                   "(mime=text/plain)")
        self.check("/artiklar/x.txt", b"Rubrik\n\nr\xe4ksm\xf6rg\xe5s\n", "59 3: invalid UTF-8", mime="text/plain")
        self.check("/artiklar/x.txt", b"Rubrik\n\xc0\xaf\n", "59 2: invalid UTF-8", mime="text/plain")

    def test_names_and_places(self):
        for path, header in (
                ("/artiklar/Stor.txt", '59 "Stor" is not a document name: use lower-case a-z, 0-9, \'-\' and \'_\', '
                                       'starting with a letter or digit'),
                ("/artiklar/x.html", "59 Only documents are uploaded: NAME.gmi (text/gemini or text/plain) or "
                                     "NAME.txt (text/plain)"),
                ("/artiklar/bild.png", "59 Only documents are uploaded: NAME.gmi (text/gemini or text/plain) or "
                                       "NAME.txt (text/plain)"),
                ("/", "59 The start page is not uploaded; articles go into /artiklar/ or /extra/"),
                ("/index.gmi", "59 The start page is not uploaded; articles go into /artiklar/ or /extra/"),
                ("/artiklar/index.gmi", "59 index.gmi is the directory's start page; it is not uploaded"),
                ("/artiklar/", "59 /artiklar/ is a directory: upload to /artiklar/NAME.gmi"),
                ("/anteckningar/x.gmi", "59 Uploads go only into /artiklar/ or /extra/"),
                ("/artiklar/under/x.gmi", "59 Uploads go only into /artiklar/ or /extra/"),
                ("/x.gmi", "59 Uploads go only into /artiklar/ or /extra/")):
            with self.subTest(path=path):
                self.check(path, "X\n", header)

    def test_dot_files_and_traversal_in_any_encoding(self):
        dot = "59 Nothing is uploaded to dot-files or names with an encoded '/', '\\' or NUL"
        for path, header in (
                ("/artiklar/.env", dot),
                ("/artiklar/%2eenv.gmi", dot),
                ("/.kapsel/deleted", dot),
                ("/artiklar/a%2Fb.gmi", dot),
                ("/artiklar/a%5Cb.gmi", dot),
                ("/artiklar/a%00.gmi", dot),
                ("/artiklar/../index.gmi", "59 The start page is not uploaded; articles go into /artiklar/ or /extra/"),
                ("/artiklar/%2e%2e/index.gmi", "59 The start page is not uploaded; articles go into /artiklar/ or "
                                               "/extra/"),
                ("/artiklar/../anteckningar/om.gmi", "59 Uploads go only into /artiklar/ or /extra/")):
            with self.subTest(path=path):
                self.check(path, "X\n", header)
        for path in ("/../x.gmi", "/%2e%2e/x.gmi", "/artiklar/../../x.gmi", "/artiklar/%2E%2e/%2e./x.gmi"):
            with self.subTest(path=path):
                r = upload(self.server, path, "X\n")
                self.assertEqual(r.status, 59, r.header)

    def test_what_is_on_disk_there(self):
        self.check("/artiklar/lank.txt", "X\n", "59 /artiklar/lank.txt is a symbolic link: uploads never replace one",
                   mime="text/plain")
        self.check("/artiklar/mapp.gmi", "X\n", "59 /artiklar/mapp.gmi is a directory")
        self.check("/artiklar/ren.txt", "X\n", "59 /artiklar/ren.txt is not a document (no front matter); uploads do "
                   "not replace it", mime="text/plain")
        self.check("/artiklar/ren.txt", b"", "59 /artiklar/ren.txt is not a document (no front matter); uploads do "
                   "not delete it")
        self.check("/artiklar/forsta.gmi", "# Gemtext\n", "59 /artiklar/forsta.gmi is the page of the plain text "
                   "/artiklar/forsta.txt: upload text/plain to edit it, or delete it first")

    def test_a_directory_through_a_symbolic_link(self):
        extra = os.path.join(self.server.capsule, "extra")
        moved = os.path.join(self.server.dir, "extra-elsewhere")
        os.rename(extra, moved)
        os.symlink(moved, extra)
        try:
            self.before = snapshot(self.server.capsule)
            self.check("/extra/x.gmi", "# X\n", "59 /extra is a symbolic link: uploads never go through one")
            self.assertEqual(os.listdir(moved), ["x.gmi"])
        finally:
            os.remove(extra)
            os.rename(moved, extra)
            self.before = snapshot(self.server.capsule)

    def test_a_size_over_the_limit_is_answered_before_the_body_is_sent(self):
        # Only the header goes out; the answer must come without a byte of body.
        with tls_connect(self.server.port) as s:
            s.sendall((titan_line(self.server, "/artiklar/stor.txt", 1001, mime="text/plain") + "\r\n").encode())
            raw, close_notify = read_all(s)
        r = Response(raw, close_notify)
        self.assertEqual(r.header, "59 Upload of 1001 bytes is over the limit of 1000 bytes")
        self.assertTrue(r.close_notify)

    def test_a_body_longer_than_its_size(self):
        self.check("/artiklar/lang.txt", "Tio bytes!" + "och mer", "59 Body longer than size=10; nothing written",
                   mime="text/plain", size=10)

    def test_a_body_shorter_than_its_size_when_the_client_closes(self):
        with tls_connect(self.server.port) as s:
            s.sendall((titan_line(self.server, "/artiklar/kort.txt", 100, mime="text/plain") + "\r\nBara lite").encode())
            # The client's end of TCP (not TLS: the server must see the stream end mid-body).
            half = socket.socket(fileno=os.dup(s.fileno()))
            half.shutdown(socket.SHUT_WR)
            half.close()
            raw, close_notify = read_all(s)
        self.assertEqual(Response(raw, close_notify).header,
                         "59 Body shorter than size=100: 9 bytes came before the end")

    def test_titan_request_lines_keep_the_gemini_rules(self):
        for line, status in (("titan://localhost/artiklar/x.gmi;size=1;token=%s#frag" % TOKEN, 59),
                             ("titan://user@localhost/artiklar/x.gmi;size=1;token=%s" % TOKEN, 59),
                             ("titan://localhost/artiklar/x.gmi;token=%s" % TOKEN, 59),
                             ("titan://localhost/artiklar/x.gmi;size=1;size=2;token=%s" % TOKEN, 59),
                             ("titan://elsewhere.example/artiklar/x.gmi;size=1;token=%s" % TOKEN, 53),
                             ("titan://localhost:1/artiklar/x.gmi;size=1;token=%s" % TOKEN, 53),
                             ("titan://localhost/" + "a" * 1020 + ";size=1", 59)):
            with self.subTest(line=line[:60]):
                self.assertEqual(request(self.server.port, line + "\r\nX", raw_line=True).status, status)


class Deadlines(unittest.TestCase):
    def test_a_client_that_stalls_mid_body_is_cut_at_its_deadline_and_nothing_is_written(self):
        # Deadline: request_timeout (1 s) + size ÷ min_rate (200 ÷ 100 = 2 s) after the request line.
        with KapselServer(capsule=capsule, server={"request_timeout": "1.0"},
                          extra_toml=titan_toml(min_rate="100")) as server:
            before = snapshot(server.capsule)
            mark = server.mark()
            with tls_connect(server.port, timeout=30) as s:
                s.sendall((titan_line(server, "/artiklar/seg.txt", 200, mime="text/plain") + "\r\n").encode())
                start = time.monotonic()
                s.sendall(b"Halva kroppen kommer, sedan inget mer")
                raw, close_notify = read_all(s)  # until the server gives up on the rest
                waited = time.monotonic() - start
            self.assertEqual((raw, close_notify), (b"", False))
            self.assertGreaterEqual(waited, 2.9)
            self.assertLess(waited, 3.0 + 1.5 * SLOW)
            server.wait_for_log(r"upload from 127\.0\.0\.1:\d+ \(token\) to /artiklar/seg\.txt, 37 of 200 bytes: cut "
                                r"at its deadline, nothing written", since=mark)
            self.assertEqual(snapshot(server.capsule), before)

    def test_a_slow_body_within_its_deadline_is_taken(self):
        # One byte after another, each sent only once the previous one is in the server's hands
        # (no sleeping): the whole body arrives well within the deadline, however slowly.
        with KapselServer(capsule=capsule, extra_toml=titan_toml()) as server:
            body = "Långsam\n\nEn byte i taget.\n".encode()
            with tls_connect(server.port) as s:
                s.sendall((titan_line(server, "/artiklar/langsam.txt", len(body), mime="text/plain") + "\r\n").encode())
                for i in range(len(body)):
                    s.sendall(body[i:i + 1])
                raw, close_notify = read_all(s)
            self.assertEqual(Response(raw, close_notify).status, 30)


class Concurrency(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = KapselServer(capsule=capsule, extra_toml=titan_toml(), server={"workers": "4"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def run_all(self, jobs):
        results = [None] * len(jobs)
        barrier = threading.Barrier(len(jobs))

        def run(i):
            barrier.wait()
            results[i] = jobs[i]()
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        return results

    def test_twenty_uploads_to_different_names_all_land(self):
        bodies = {"samtidig-%02d" % i: "Samtidig nummer %d\n\nText %d.\n" % (i, i) for i in range(20)}
        results = self.run_all([lambda n=n, b=b: upload(self.server, "/artiklar/%s.txt" % n, b, mime="text/plain")
                                for n, b in bodies.items()])
        self.assertEqual([r.header for r in results],
                         ["30 " + self.server.url("/artiklar/%s.gmi" % n) for n in bodies])
        index = request(self.server.port, self.server.url("/")).body.decode()
        titles = {e.title for e in feed_entries(self.server)}
        for name, body in bodies.items():
            self.assertEqual(request(self.server.port, self.server.url("/artiklar/%s.txt" % name)).body, body.encode())
            self.assertIn("=> /artiklar/%s.gmi" % name, index)
            self.assertIn(body.split("\n")[0], titles)

    def test_twenty_uploads_to_one_name_end_with_one_of_them_whole(self):
        bodies = ["Samma namn\n\n" + ("Version %02d. " % i) * (200 + i) + "\n" for i in range(20)]
        results = self.run_all([lambda b=b: upload(self.server, "/artiklar/samma.txt", b, mime="text/plain")
                                for b in bodies])
        self.assertEqual({r.header for r in results}, {"30 " + self.server.url("/artiklar/samma.gmi")})
        served = request(self.server.port, self.server.url("/artiklar/samma.txt")).body.decode()
        self.assertIn(served, bodies)
        with open(os.path.join(self.server.capsule, "artiklar", "samma.txt"), encoding="utf-8") as f:
            self.assertTrue(f.read().endswith("+++\n" + served))
        leftovers = [n for n in os.listdir(os.path.join(self.server.capsule, "artiklar")) if n.startswith(".")]
        self.assertEqual(leftovers, [])


class CrashLeftovers(unittest.TestCase):
    def test_temporary_files_of_a_cut_upload_are_removed_at_start(self):
        def with_leftovers(root):
            capsule(root)
            write(os.path.join(root, "artiklar", ".kapsel-upload-1a2b3c4d5e6f"), "+++\ntitle = \"Halv")
            write(os.path.join(root, "extra", ".kapsel-upload-000000000000"), "")
            write(os.path.join(root, ".kapsel", ".kapsel-upload-ffffffffffff"), "/artiklar/x")
            write(os.path.join(root, "artiklar", ".annan-punktfil"), "kept: not ours\n")
        with KapselServer(capsule=with_leftovers, extra_toml=titan_toml()) as server:
            server.wait_for_log(r"removed 3 temporary files left by uploads cut short")
            self.assertEqual(sorted(n for n in os.listdir(os.path.join(server.capsule, "artiklar")) if n[0] == "."),
                             [".annan-punktfil"])
            self.assertEqual(os.listdir(os.path.join(server.capsule, "extra")), ["x.gmi"])
            self.assertEqual(os.listdir(os.path.join(server.capsule, ".kapsel")), [])


class Disabled(unittest.TestCase):
    def test_a_host_without_titan_says_so(self):
        with KapselServer(capsule=capsule) as server:
            before = snapshot(server.capsule)
            r = upload(server, "/artiklar/x.txt", "X\n", mime="text/plain")
            self.assertEqual(r.header, "59 Titan uploads are not enabled on this host")
            self.assertEqual(snapshot(server.capsule), before)
            line = server.wait_for_log(r"Landlock[^\n]*").group(0)
            self.assertNotIn("replacing files", line)

    def test_landlock_lets_uploads_write_their_directories_only(self):
        with KapselServer(capsule=capsule, extra_toml=titan_toml()) as server:
            line = server.wait_for_log(r"Landlock[^\n]*").group(0)
            if "limited to reading" not in line:
                self.skipTest("this kernel offers no Landlock: " + line)
            self.assertIn("; replacing files in %s/artiklar; replacing files in %s/extra; replacing files in %s/.kapsel"
                          % (server.capsule, server.capsule, server.capsule), line)
            self.assertEqual(upload(server, "/artiklar/under-landlock.txt", "Ja\n", mime="text/plain").status, 30)


class RateLimit(unittest.TestCase):
    def test_uploads_share_the_request_bucket(self):
        with KapselServer(capsule=capsule, extra_toml=titan_toml(),
                          server={"rate_limit_per_second": "0.01", "rate_limit_burst": "2"}) as server:
            self.assertEqual(request(server.port, server.url("/")).status, 20)
            self.assertEqual(upload(server, "/artiklar/a.txt", "A\n", mime="text/plain").status, 30)
            r = upload(server, "/artiklar/b.txt", "B\n", mime="text/plain")
            self.assertEqual(r.status, 44)
            self.assertFalse(os.path.exists(os.path.join(server.capsule, "artiklar", "b.txt")))


class CertificateUploads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = KapselServer(capsule=capsule)
        d = cls.tmp.dir
        cls.allowed = make_certificate(d, "skribent")
        cls.other = make_certificate(d, "annan")
        cls.expired = make_certificate(d, "utgangen", "20200101000000Z", "20200102000000Z")
        with open(cls.tmp.config, "a") as f:
            f.write(titan_toml(tokens="[]", allow='["%s", "%s"]' % (fingerprint(cls.allowed[0]),
                                                                   fingerprint(cls.expired[0]))))
        cls.server = cls.tmp.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def send(self, cert, name):
        ctx = client_context()
        if cert:
            ctx.load_cert_chain(*cert)
        return upload(self.server, "/artiklar/%s.txt" % name, "Med certifikat\n", token=None, mime="text/plain",
                      context=ctx)

    def test_an_allowed_certificate_uploads_without_a_token(self):
        mark = self.server.mark()
        r = self.send(self.allowed, "med-certifikat")
        self.assertEqual(r.header, "30 " + self.server.url("/artiklar/med-certifikat.gmi"))
        self.server.wait_for_log(r"upload from 127\.0\.0\.1:\d+ \(%s\) to /artiklar/med-certifikat\.txt"
                                 % re.escape(fingerprint(self.allowed[0])), since=mark)

    def test_others_are_refused(self):
        before = snapshot(self.server.capsule)
        self.assertEqual(self.send(None, "utan").header, "60 Uploading needs a client certificate that may upload here")
        self.assertEqual(self.send(self.other, "annan").header, "61 Certificate not authorised to upload here")
        self.assertEqual(self.send(self.expired, "gammal").header, "62 Certificate not valid: expired or not yet valid")
        self.assertEqual(snapshot(self.server.capsule), before)


class Settings(unittest.TestCase):
    def test_check_refuses_upload_directories_it_could_not_write_at_their_line(self):
        def linked(root):
            capsule(root)
            os.symlink("artiklar", os.path.join(root, "lankad"))
        for paths, capsule_of, message in (
                ('["saknas"]', capsule, r"titan\.paths: \S+/capsule/saknas does not exist"),
                ('["lankad"]', linked, r"titan\.paths: \S+/capsule/lankad is a symbolic link"),
                ('["artiklar/forsta.txt"]', capsule, r"titan\.paths: \S+/forsta\.txt is not a directory")):
            with self.subTest(paths=paths):
                server = KapselServer(capsule=capsule_of, extra_toml=titan_toml(paths=paths))
                self.addCleanup(server.discard)
                for command in ("check", "serve"):
                    p = server.run(command)
                    self.assertEqual(p.returncode, 2)
                    self.assertRegex(p.stderr.decode(), r"server\.toml:\d+:\d+: " + message)

    def test_each_host_has_its_own(self):
        def two(root):
            capsule(os.path.join(os.path.dirname(root), "a"))
            capsule(os.path.join(os.path.dirname(root), "b"))
        hosts = """\
            [[host]]
            names = ["a.test"]
            root = "a"
            [host.titan]
            enabled = true
            paths = ["artiklar"]
            tokens = ["%s"]
            [[host]]
            names = ["b.test"]
            root = "b"
            """ % TOKEN
        with KapselServer(capsule=two, hosts_toml=hosts) as server:
            r = upload(server, "/artiklar/ny.txt", "Ny\n", mime="text/plain", host="a.test")
            self.assertEqual(r.header, "30 gemini://a.test:%d/artiklar/ny.gmi" % server.port)
            self.assertTrue(os.path.exists(os.path.join(server.dir, "a", "artiklar", "ny.txt")))
            r = upload(server, "/artiklar/ny.txt", "Ny\n", mime="text/plain", host="b.test")
            self.assertEqual(r.header, "59 Titan uploads are not enabled on this host")
            self.assertFalse(os.path.exists(os.path.join(server.dir, "b", "artiklar", "ny.txt")))
            self.assertTrue(os.path.isdir(os.path.join(server.dir, "a", ".kapsel")))
            self.assertFalse(os.path.exists(os.path.join(server.dir, "b", ".kapsel")))


if __name__ == "__main__":
    unittest.main()
