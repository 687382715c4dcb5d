"""The static web mirror ([web], kapsel export) as HTTP readers get it: the real nginx with the
shipped contrib/nginx.conf serving the export directory, newsboat reading its feed over HTTP,
html5lib parsing every page strictly."""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import textwrap
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import feedparser  # Debian's python3-feedparser

from harness import BINARY, SLOW, SOURCE_DIR, KapselServer, request, require, write
from mirror_harness import (MANIFEST, NEWSBOAT, Nginx, content_type_for, free_port, has_nginx, mirror_files,
                            snapshot, web_directory)
from test_syndication import SHIPPED_CAPSULE, shipped_feed_section

try:
    import html5lib  # Debian's python3-html5lib
except ImportError:
    html5lib = None

ATOM = "{http://www.w3.org/2005/Atom}"
MIRROR_LOG = r"web mirror \S+: (\d+) written, (\d+) unchanged, (\d+) removed"

# Beside the shipped capsule: a page without front matter, a directory index, a picture, and a
# note whose title and text are full of markup that must stay text.
SCRIPT_NOTE = textwrap.dedent("""\
    +++
    title = "Om <script>alert(1)</script> & “citat”"
    published = 2026-11-27T08:00:00+01:00
    +++
    # Rubrik med <b>fet</b> & <i>kursiv</i>

    Text med <script>alert("x")</script> & &amp; och <!-- en kommentar -->.
    * punkt <img src=x onerror=alert(1)>
    > citat </blockquote><p>
    ```alt "med" <citat>
    <pre>förformaterad</pre> & mer
    ```
    => javascript:alert(1) en farlig länk
    => /sida.gmi Sidan utan front matter
    => ../sub/ Underkatalogen, relativt
    => https://example.org/?a=1&b=2 En webbsida
    """)


def extend_shipped_capsule(root):
    shutil.copytree(SHIPPED_CAPSULE, root)
    write(os.path.join(root, "sida.gmi"), "# Sida utan front matter\n\n=> / Start\n=> sub/ Under\n=> bild.png Bild\n"
                                          "=> mellanslag%20och%20%C3%A5.gmi Ett namn med mellanslag och å\n")
    write(os.path.join(root, "sub", "index.gmi"), "# Underkatalog\n\n=> ../sida.gmi Tillbaka\n=> /artiklar/tryggt-umea.txt Texten\n"
                                                 "=> gemini://localhost:1965/sida.gmi#mitten Sidan, med värd och port\n"
                                                 "=> gemini://LOCALHOST./sub/?fråga=1 Hit igen\n"
                                                 "=> ../../../atom.xml Flödet, för högt upp\n")
    write(os.path.join(root, "mellanslag och å.gmi"), "# Konstigt namn\n\n=> sida.gmi Tillbaka\n")
    write(os.path.join(root, "bild.png"), b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "wb")
    write(os.path.join(root, "anteckningar", "skript.gmi"), SCRIPT_NOTE)


def start_mirrored_server(capsule=extend_shipped_capsule, extra=""):
    """kapsel with [web] exporting into a fresh web directory, and nginx in front of it."""
    web = web_directory()
    export = os.path.join(web, "mirror")
    port = free_port()
    # SIGHUP alone reloads (reload_and_wait): the tests count what each reload wrote.
    server = KapselServer(capsule=capsule, capsule_toml="watch = false", extra_toml=shipped_feed_section() + textwrap.dedent("""\
        [web]
        export_dir = "{export}"
        base_url = "http://127.0.0.1:{port}/"
        {extra}""").format(export=export, port=port, extra=extra))
    try:
        server.start()
    except BaseException:
        server.stop()
        shutil.rmtree(web, ignore_errors=True)
        raise
    nginx = Nginx(export, web, port)
    try:
        nginx.start()
    except BaseException:
        server.stop()
        shutil.rmtree(web, ignore_errors=True)
        raise
    return server, nginx, web, export


def stop_mirrored_server(server, nginx, web):
    try:
        nginx.stop()
        server.stop()
    finally:
        shutil.rmtree(web, ignore_errors=True)


def reload_and_wait(test, server, pattern=MIRROR_LOG):
    """SIGHUP, then the log line that says the reload (and its mirror export) is done."""
    mark = server.mark()
    server.signal(signal.SIGHUP)
    return server.wait_for_log(pattern, timeout=30 * SLOW, since=mark)


def newsboat(home, feed_url):
    """newsboat, non-interactively: one reload of `feed_url` into its sqlite cache in `home`.
    Returns the cache's items as {guid: (title, url)}."""
    urls, config, cache = (os.path.join(home, n) for n in ("urls", "config", "cache.db"))
    write(urls, feed_url + "\n")
    write(config, "")
    env = dict(os.environ, HOME=home, LANG="C.UTF-8", LC_ALL="C.UTF-8", XDG_CONFIG_HOME=home, XDG_DATA_HOME=home)
    r = subprocess.run([NEWSBOAT, "-x", "reload", "-u", urls, "-C", config, "-c", cache], env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60 * SLOW)
    assert r.returncode == 0, "newsboat: %d %s %s" % (r.returncode, r.stdout, r.stderr)
    with sqlite3.connect(cache) as db:
        return {guid: (title, url) for guid, title, url in
                db.execute("SELECT guid, title, url FROM rss_item WHERE feedurl = ? AND deleted = 0", (feed_url,))}


def atom_entries(xml_bytes):
    """[(id, title, {(rel, type): href})] of an Atom document, in order."""
    root = ET.fromstring(xml_bytes)
    out = []
    for e in root.findall(ATOM + "entry"):
        links = {(l.get("rel"), l.get("type")): l.get("href") for l in e.findall(ATOM + "link")}
        out.append((e.findtext(ATOM + "id"), e.findtext(ATOM + "title"), links))
    return out


def feed_links(xml_bytes):
    root = ET.fromstring(xml_bytes)
    return {(l.get("rel"), l.get("type")): l.get("href") for l in root.findall(ATOM + "link")}


class MirrorThroughNginx(unittest.TestCase):
    """One kapsel and one nginx for the tests that read; none of them changes the capsule."""

    @classmethod
    def setUpClass(cls):
        cls.server = cls.nginx = None
        if not has_nginx():
            return
        cls.server, cls.nginx, cls.web, cls.export = start_mirrored_server()
        cls.base = "http://127.0.0.1:%d/" % cls.nginx.port

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            stop_mirrored_server(cls.server, cls.nginx, cls.web)

    def setUp(self):
        require(self, "nginx", self.server is not None, "nginx is not installed (scripts/setup.sh installs it)")

    def files(self):
        return mirror_files(self.export)

    def test_every_file_of_the_mirror_answers_200_with_its_type_and_its_bytes(self):
        files = self.files()
        expected = {"index.html", "sida.html", "sub/index.html", "mellanslag och å.html", "bild.png", "atom.xml", "artiklar/tryggt-umea.html",
                    "artiklar/tryggt-umea.txt", "anteckningar/skript.html", MANIFEST}
        expected |= {"anteckningar/%s.html" % n for n in ("om-artikeln", "kallor", "lokal-operativ-samverkan", "tidslinje")}
        self.assertEqual(set(files), expected)
        for path, data in sorted(files.items()):
            if path == MANIFEST:
                continue
            with self.subTest(path=path):
                status, headers, body = self.nginx.get("/" + urllib.parse.quote(path))
                self.assertEqual(status, 200)
                self.assertEqual(headers["content-type"], content_type_for(path))
                self.assertEqual(body, data)
                self.assertIn("etag", headers)
                self.assertIn("last-modified", headers)
        # The plain text is the original, byte for byte, as Gemini serves it.
        self.assertEqual(files["artiklar/tryggt-umea.txt"],
                         request(self.server.port, self.server.url("/artiklar/tryggt-umea.txt")).body)
        # The manifest lists exactly the files the export wrote.
        listed = [l for l in files[MANIFEST].decode().splitlines() if l and not l.startswith("#")]
        self.assertEqual(sorted(listed), sorted(set(files) - {MANIFEST}))

    def test_directories_answer_with_their_index_and_hidden_files_are_not_served(self):
        files = self.files()
        for path, file in (("/", "index.html"), ("/sub/", "sub/index.html"), ("/sub", "sub/index.html")):
            with self.subTest(path=path):
                status, headers, body = self.nginx.get(path)
                self.assertEqual((status, headers["content-type"]), (200, "text/html; charset=utf-8"))
                self.assertEqual(body, files[file])
        for path in ("/" + MANIFEST, "/sida.gmi", "/nothing.html", "/sub/.sida.html.kapsel-tmp"):
            with self.subTest(path=path):
                self.assertEqual(self.nginx.get(path)[0], 404)
        # An operator's ACME challenge beside the mirror is served (and never touched by it).
        challenge = os.path.join(self.export, ".well-known", "acme-challenge", "token")
        write(challenge, "token.key\n")
        self.addCleanup(shutil.rmtree, os.path.join(self.export, ".well-known"))
        self.assertEqual(self.nginx.get("/.well-known/acme-challenge/token")[::2], (200, b"token.key\n"))
        write(os.path.join(self.export, "sub", ".sida.html.kapsel-tmp"), "halvskriven\n")
        self.addCleanup(os.remove, os.path.join(self.export, "sub", ".sida.html.kapsel-tmp"))
        self.assertEqual(self.nginx.get("/sub/.sida.html.kapsel-tmp")[0], 404)

    def test_a_poll_with_the_validators_gets_304_also_after_a_reload_that_changed_nothing(self):
        polled = {}
        for path in ("/atom.xml", "/", "/artiklar/tryggt-umea.html", "/artiklar/tryggt-umea.txt"):
            status, headers, body = self.nginx.get(path)
            self.assertEqual(status, 200)
            polled[path] = headers
            for validator in ({"If-None-Match": headers["etag"]}, {"If-Modified-Since": headers["last-modified"]}):
                with self.subTest(path=path, validator=validator):
                    status, _, body = self.nginx.get(path, validator)
                    self.assertEqual((status, body), (304, b""))
        before = snapshot(self.export)
        written = reload_and_wait(self, self.server)
        self.assertEqual(written.group(1), "0", "a reload that changed nothing wrote: " + written.string)
        self.assertEqual(snapshot(self.export), before, "files (or their mtimes) changed")
        for path, headers in polled.items():
            with self.subTest(path=path, after="reload"):
                status, now, _ = self.nginx.get(path, {"If-None-Match": headers["etag"],
                                                       "If-Modified-Since": headers["last-modified"]})
                self.assertEqual(status, 304)
                self.assertEqual(now["etag"], headers["etag"])

    def test_newsboat_reads_every_entry_with_its_title_and_link_and_polls_with_304(self):
        require(self, "newsboat", os.path.exists(NEWSBOAT), "newsboat is not installed (scripts/setup.sh installs it)")
        feed = self.nginx.url("/atom.xml")
        expected = {id_: (title, links[("alternate", "text/html")])
                    for id_, title, links in atom_entries(self.files()["atom.xml"])}
        self.assertEqual(len(expected), 6)
        self.assertIn(("Om <script>alert(1)</script> & “citat”", self.base + "anteckningar/skript.html"),
                      expected.values())
        with tempfile.TemporaryDirectory(prefix="kapsel-newsboat-") as home:
            self.assertEqual(newsboat(home, feed), expected)
            for _, url in expected.values():  # every link newsboat shows is a page nginx serves
                self.assertEqual(self.nginx.get(urllib.parse.urlsplit(url).path)[0], 200, url)
            # newsboat 2.21 keeps a response's validators only for a feed already in its cache,
            # so its second poll is a full one too; from the third on it sends them, and gets 304
            # (later versions may send them from the second on: the third is 304 either way).
            self.assertEqual(newsboat(home, feed), expected)
            self.assertEqual(newsboat(home, feed), expected)
            with open(self.nginx.access_log) as f:
                # "newsboat/2.21" in Debian 12, "Newsboat/2.36.0 (Linux x86_64)" in Debian 13.
                polls = re.findall(r'"GET (\S+) HTTP/1\.[01]" (\d+) .*"newsboat/', f.read(), re.IGNORECASE)
            self.assertEqual(len(polls), 3)
            self.assertEqual(polls[-1], ("/atom.xml", "304"))

    def test_every_page_is_strict_html5_with_its_head_and_every_internal_link_resolves(self):
        require(self, "html5lib", html5lib is not None, "python3-html5lib is not installed (scripts/setup.sh installs it)")
        files = self.files()
        pages = sorted(p for p in files if p.endswith(".html"))
        self.assertEqual(len(pages), 10)
        internal = 0
        for page in pages:
            with self.subTest(page=page):
                doc = parse_strict(files[page])
                html = doc.getroot() if hasattr(doc, "getroot") else doc
                self.assertEqual(html.get("lang"), "sv")
                title = html.find("head/title")
                self.assertTrue(title is not None and title.text.strip(), "no <title>")
                feeds = [l for l in html.iter("link") if l.get("rel") == "alternate"
                         and l.get("type") == "application/atom+xml"]
                self.assertEqual([l.get("href") for l in feeds], [self.base + "atom.xml"])
                canonical = [l.get("href") for l in html.iter("link") if l.get("rel") == "canonical"]
                self.assertEqual(len(canonical), 1)
                page_url = self.base + page
                for element in list(html.iter("a")) + list(html.iter("link")):
                    href = element.get("href")
                    target = urllib.parse.urljoin(page_url, href)
                    if not target.startswith(self.base):
                        self.assertFalse(target.startswith("http://127.0.0.1"), "another port: " + target)
                        continue
                    internal += 1
                    file = mirror_file_of(target[len(self.base):])
                    self.assertIn(file, files, "%s links to %s, which the mirror lacks" % (page, href))
        self.assertGreater(internal, 50)
        # Titles: the front matter's for documents, the first heading for plain pages.
        self.assertIn(b"<title>Sida utan front matter</title>", files["sida.html"])
        self.assertIn("<title>Satsningar på ett tryggt och säkert Umeå ger resultat</title>".encode(),
                      files["artiklar/tryggt-umea.html"])

    def test_text_from_documents_is_escaped_and_never_markup(self):
        require(self, "html5lib", html5lib is not None, "python3-html5lib is not installed (scripts/setup.sh installs it)")
        page = self.files()["anteckningar/skript.html"]
        html = parse_strict(page)
        self.assertEqual(html.find("head/title").text, "Om <script>alert(1)</script> & “citat”")
        self.assertEqual([e.tag for e in html.iter() if e.tag in ("script", "img", "b", "i", "iframe")], [],
                         "document text became markup")
        self.assertEqual([c for c in html.iter() if not isinstance(c.tag, str)], [], "a comment got through")
        body = html.find("body")
        texts = ["".join(e.itertext()) for e in body.iter() if e.tag in ("h1", "p", "li", "pre")]
        self.assertIn("Rubrik med <b>fet</b> & <i>kursiv</i>", texts)
        self.assertIn('Text med <script>alert("x")</script> & &amp; och <!-- en kommentar -->.', texts)
        self.assertIn("punkt <img src=x onerror=alert(1)>", texts)
        self.assertIn("citat </blockquote><p>", texts)
        pre = body.find(".//pre")
        self.assertEqual(pre.get("aria-label"), 'alt "med" <citat>')
        self.assertEqual(pre.text, "<pre>förformaterad</pre> & mer")
        hrefs = [a.get("href") for a in body.iter("a")]
        self.assertFalse(any(h.lower().startswith("javascript:") for h in hrefs), hrefs)
        self.assertIn("en farlig länk", texts, "the unsafe link stays as its label")
        self.assertEqual(hrefs, ["/sida.html", "/sub/", "https://example.org/?a=1&b=2"])
        self.assertIn(b"&lt;script&gt;", page)
        self.assertIn(b"&amp;amp;", page)
        # The same title in both feeds, as text.
        for xml in (self.files()["atom.xml"], request(self.server.port, self.server.url("/atom.xml")).body):
            titles = [t for _, t, _ in atom_entries(xml)]
            self.assertIn("Om <script>alert(1)</script> & “citat”", titles)

    def test_the_mirror_feed_links_to_pages_and_gemini_and_the_gemini_feed_to_pages(self):
        files = self.files()
        mirror = files["atom.xml"]
        gemini = request(self.server.port, self.server.url("/atom.xml")).body
        parsed = feedparser.parse(mirror)
        self.assertFalse(parsed.bozo, getattr(parsed, "bozo_exception", None))
        self.assertEqual(parsed.version, "atom10")
        self.assertEqual(feed_links(mirror)[("self", "application/atom+xml")], self.base + "atom.xml")
        self.assertEqual(feed_links(mirror)[("alternate", "text/html")], self.base)
        self.assertEqual(feed_links(gemini)[("self", "application/atom+xml")], "gemini://localhost/atom.xml")
        mirror_entries, gemini_entries = atom_entries(mirror), atom_entries(gemini)
        # The same entries, ids and order in both.
        self.assertEqual([(i, t) for i, t, _ in mirror_entries], [(i, t) for i, t, _ in gemini_entries])
        self.assertEqual(len(mirror_entries), 6)
        for (id_, title, links), (_, _, glinks) in zip(mirror_entries, gemini_entries):
            with self.subTest(id=id_):
                html = links[("alternate", "text/html")]
                gmi = links[("alternate", "text/gemini")]
                self.assertTrue(html.startswith(self.base) and html.endswith(".html"), html)
                self.assertIn(html[len(self.base):], files)
                self.assertRegex(gmi, r"^gemini://localhost/.+\.gmi$")
                self.assertEqual(gmi[len("gemini://localhost"):], "/" + html[len(self.base):-5] + ".gmi")
                self.assertEqual(request(self.server.port, gmi).status, 20)
                # The Gemini feed: the same two alternates, gemini first (its own).
                self.assertEqual(glinks, links)

    def test_kapsel_export_writes_the_same_bytes_as_the_server(self):
        with tempfile.TemporaryDirectory(prefix="kapsel-export-") as d:
            out = os.path.join(d, "out")
            r = self.server.run("export", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout.decode(), r"^%s: 13 files written, 0 unchanged, 0 removed\n$" % re.escape(out))
            self.assertEqual(mirror_files(out), self.files())
            again = self.server.run("export", out)
            self.assertRegex(again.stdout.decode(), r": 0 files written, 13 unchanged, 0 removed\n$")


def parse_strict(data):
    """The document's root element as html5lib's strict HTML5 parser reads it (any parse
    error raises), in an ElementTree without namespaces."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        return parser.parse(data)
    except html5lib.html5parser.ParseError as e:
        raise AssertionError("HTML5 parse error: %s (%s)" % (e, parser.errors[-1:] if parser.errors else ""))


def mirror_file_of(url_path):
    """The mirror file an internal link's path (after the base URL) reaches on nginx."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url_path).path)
    return path + "index.html" if path == "" or path.endswith("/") else path


class PublishingThroughNginx(unittest.TestCase):
    """Reloads that change the capsule: a server and an nginx for each test."""

    def setUp(self):
        require(self, "nginx", has_nginx(), "nginx is not installed (scripts/setup.sh installs it)")
        self.server, self.nginx, self.web, self.export = start_mirrored_server()
        self.addCleanup(stop_mirrored_server, self.server, self.nginx, self.web)
        self.base = "http://127.0.0.1:%d/" % self.nginx.port

    def add_article(self, slug, title, published):
        write(os.path.join(self.server.capsule, "artiklar", slug + ".gmi"),
              '+++\ntitle = "%s"\npublished = %s\n+++\n# %s\n\nNy text.\n' % (title, published, title))

    def test_a_published_article_reaches_the_feed_and_the_reader_and_nothing_else_changes(self):
        status, atom_headers, old_feed = self.nginx.get("/atom.xml")
        self.assertEqual(status, 200)
        _, note_headers, _ = self.nginx.get("/anteckningar/kallor.html")
        with tempfile.TemporaryDirectory(prefix="kapsel-newsboat-") as home:
            have_newsboat = os.path.exists(NEWSBOAT)
            if have_newsboat:
                self.assertEqual(len(newsboat(home, self.nginx.url("/atom.xml"))), 6)
            before = snapshot(self.export)
            self.add_article("nyhet", "En alldeles ny artikel", "2026-11-30T12:00:00Z")
            written = reload_and_wait(self, self.server)
            # Polled over Gemini too: the served feed and the mirror come from one load.
            gemini = request(self.server.port, self.server.url("/atom.xml")).body
            self.assertIn(b"<title>En alldeles ny artikel</title>", gemini)
            after = snapshot(self.export)
            changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
            self.assertEqual(changed, {"atom.xml", "index.html", "artiklar/nyhet.html", "artiklar", MANIFEST},
                             "only the feed, the start page that lists it, the new page (and its directory's "
                             "mtime, and the manifest) change")
            self.assertEqual(written.groups()[0], "3")
            status, headers, feed = self.nginx.get("/atom.xml", {"If-None-Match": atom_headers["etag"]})
            self.assertEqual(status, 200)
            self.assertNotEqual(headers["etag"], atom_headers["etag"])
            entries = atom_entries(feed)
            self.assertEqual(entries[0][:2], ("tag:kapsel.localhost,2023:nyhet", "En alldeles ny artikel"))
            self.assertEqual(entries[0][2][("alternate", "text/html")], self.base + "artiklar/nyhet.html")
            self.assertEqual(entries[1:], atom_entries(old_feed))
            status, headers, page = self.nginx.get("/artiklar/nyhet.html")
            self.assertEqual((status, headers["content-type"]), (200, "text/html; charset=utf-8"))
            self.assertIn("<h1>En alldeles ny artikel</h1>".encode(), page)
            self.assertIn(b'href="/artiklar/nyhet.html"', self.nginx.get("/")[2])
            # A page that did not change still answers 304 to the validators it had.
            self.assertEqual(self.nginx.get("/anteckningar/kallor.html",
                                            {"If-None-Match": note_headers["etag"]})[0], 304)
            if have_newsboat:  # the reader gets it at its next poll
                items = newsboat(home, self.nginx.url("/atom.xml"))
                self.assertEqual(items["tag:kapsel.localhost,2023:nyhet"],
                                 ("En alldeles ny artikel", self.base + "artiklar/nyhet.html"))
                self.assertEqual(len(items), 7)

    def test_a_failed_reload_leaves_the_mirror_byte_for_byte_and_mtime_for_mtime(self):
        before = snapshot(self.export)
        self.add_article("ny", "Ny", "2026-11-30T12:00:00Z")
        write(os.path.join(self.server.capsule, "artiklar", "trasig.gmi"),
              '+++\ntitle = "Trasig\npublished = 2026-11-30\n+++\nText\n')
        mark = self.server.mark()
        self.server.signal(signal.SIGHUP)
        failed = self.server.wait_for_log(r"reload failed, still serving the previous capsule: (.*)",
                                          timeout=30 * SLOW, since=mark)
        self.assertIn("artiklar/trasig.gmi:2:", failed.group(1))
        self.assertEqual(snapshot(self.export), before)
        self.assertFalse([l for l in self.server.lines_since(mark) if re.search(MIRROR_LOG, l)])
        self.assertEqual(self.nginx.get("/artiklar/ny.html")[0], 404)
        # Mended, the next reload writes it all.
        os.remove(os.path.join(self.server.capsule, "artiklar", "trasig.gmi"))
        reload_and_wait(self, self.server)
        self.assertEqual(self.nginx.get("/artiklar/ny.html")[0], 200)

    def test_a_mirror_file_removed_or_replaced_by_someone_else_is_written_again_at_the_next_reload(self):
        files = mirror_files(self.export)
        os.remove(os.path.join(self.export, "index.html"))
        shutil.rmtree(os.path.join(self.export, "anteckningar"))
        # Replaced the way rsync and editors do it: a new file renamed over the old one.
        write(os.path.join(self.export, "sub", "ny"), "<p>avklippt")
        os.replace(os.path.join(self.export, "sub", "ny"), os.path.join(self.export, "sub", "index.html"))
        untouched = os.stat(os.path.join(self.export, "atom.xml")).st_mtime_ns
        written = reload_and_wait(self, self.server)
        self.assertEqual(written.group(1), "7", written.string)  # the two indexes and the five notes
        self.assertEqual(mirror_files(self.export), files)
        self.assertEqual(os.stat(os.path.join(self.export, "atom.xml")).st_mtime_ns, untouched)
        self.assertEqual(self.nginx.get("/")[2], files["index.html"])

    def test_a_removed_page_loses_its_file_and_nothing_the_export_did_not_write_is_touched(self):
        own = os.path.join(self.export, "robots.txt")  # the operator's, beside the mirror
        write(own, "User-agent: *\n")
        write(os.path.join(self.export, "sub", "egen.txt"), "egen\n")
        neighbour = os.path.join(self.web, "granne")
        write(os.path.join(neighbour, "fil.html"), "<p>granne</p>\n")
        outside_before = snapshot(neighbour)
        own_before = os.stat(own).st_mtime_ns
        os.remove(os.path.join(self.server.capsule, "sida.gmi"))
        shutil.rmtree(os.path.join(self.server.capsule, "sub"))
        written = reload_and_wait(self, self.server)
        self.assertEqual(written.group(3), "2", written.string)
        self.assertFalse(os.path.exists(os.path.join(self.export, "sida.html")))
        self.assertFalse(os.path.exists(os.path.join(self.export, "sub", "index.html")))
        self.assertEqual(self.nginx.get("/sida.html")[0], 404)
        # Not ours: kept, and the directory holding one is kept too.
        self.assertEqual(os.stat(own).st_mtime_ns, own_before)
        self.assertEqual(self.nginx.get("/robots.txt")[2], b"User-agent: *\n")
        self.assertTrue(os.path.exists(os.path.join(self.export, "sub", "egen.txt")))
        self.assertEqual(snapshot(neighbour), outside_before)
        with open(os.path.join(self.export, MANIFEST)) as f:
            manifest = f.read()
        self.assertNotIn("sida.html", manifest)
        self.assertNotIn("robots.txt", manifest)
        # Nothing else appeared beside the export directory (no temporary files left over).
        self.assertEqual(sorted(os.listdir(self.web)), sorted(
            ["mirror", "granne", "nginx-temp", "nginx.conf", "kapsel-site.conf", "error.log", "access.log", "nginx.pid", "nginx.stderr"]))
        leftovers = [p for p in mirror_files(self.export) if "kapsel-tmp" in p]
        self.assertEqual(leftovers, [])


class ExportCommand(unittest.TestCase):
    """`kapsel export` and `check` on their own: no nginx needed."""

    def setUp(self):
        self.web = web_directory()
        self.addCleanup(shutil.rmtree, self.web, True)

    def make(self, export_dir, extra=""):
        server = KapselServer(capsule=extend_shipped_capsule, extra_toml=shipped_feed_section() + textwrap.dedent("""\
            [web]
            export_dir = "{d}"
            base_url = "https://kapsel.example/"
            {extra}""").format(d=export_dir, extra=extra))
        self.addCleanup(server.discard)
        return server

    def test_a_broken_capsule_exits_2_with_path_and_line_and_writes_nothing(self):
        server = self.make(os.path.join(self.web, "mirror"))
        out = os.path.join(self.web, "out")
        self.assertEqual(server.run("export", out).returncode, 0)
        before = snapshot(out)
        write(os.path.join(server.capsule, "artiklar", "trasig.gmi"),
              '+++\ntitle = "Trasig"\npublished = 2026-13-40\n+++\nText\n')
        r = server.run("export", out)
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr.decode(), r"^\S*capsule/artiklar/trasig\.gmi:3: .*\n$")
        self.assertEqual(r.stdout, b"")
        self.assertEqual(snapshot(out), before)
        fresh = os.path.join(self.web, "fresh")
        self.assertEqual(server.run("export", fresh).returncode, 2)
        self.assertFalse(os.path.exists(fresh), "a failed export created its directory")

    def test_export_dir_inside_the_capsule_is_an_error_with_file_line_and_column(self):
        for export_dir in ("capsule/web", "capsule", "./capsule/../capsule/sub/w"):
            with self.subTest(export_dir=export_dir):
                server = self.make(export_dir)
                for command in ("check", "serve"):
                    r = server.run(command)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertRegex(r.stderr.decode(), r"%s:\d+:\d+: web\.export_dir: .* is inside the capsule "
                                     % re.escape(server.config))
                self.assertFalse(os.path.exists(os.path.join(server.capsule, "web")))
                self.assertFalse(os.path.exists(os.path.join(server.capsule, "sub", "w")))

    def test_export_into_a_directory_inside_the_capsule_is_refused(self):
        server = self.make(os.path.join(self.web, "mirror"))
        r = server.run("export", os.path.join(server.capsule, "web"))
        self.assertFalse(os.path.exists(os.path.join(server.capsule, "web")), "the mirror was written into the capsule")
        self.assertEqual(r.returncode, 2)

    def test_export_dir_inside_the_capsule_is_an_error_with_a_relative_configuration_path_too(self):
        server = self.make("")  # replaced below: an absolute path into the capsule
        with open(server.config) as f:
            text = f.read()
        with open(server.config, "w") as f:
            f.write(text.replace('export_dir = ""', 'export_dir = "%s"' % os.path.join(server.capsule, "web")))
        r = subprocess.run([BINARY, "check", "-c", "server.toml"], cwd=server.dir, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn(b"is inside the capsule", r.stderr)

    def test_an_export_dir_holding_the_configuration_or_the_capsule_is_refused(self):
        # A web server serves everything below its root: server.toml, certs/key.pem among them.
        for export_dir, words in ((".", b"holds the configuration's directory"),
                                  ("..", b"holds the configuration's directory")):
            with self.subTest(export_dir=export_dir):
                server = self.make(export_dir)
                r = server.run("check")
                self.assertEqual(r.returncode, 2, r.stdout)
                self.assertRegex(r.stderr, rb"server\.toml:\d+:\d+: web\.export_dir: ")
                self.assertIn(words, r.stderr)
        server = self.make(os.path.join(self.web, "mirror"))
        r = server.run("export", server.dir)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"holds the", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(server.dir, "index.html")))

    def test_export_needs_a_web_table_and_without_one_the_feed_has_no_html_links(self):
        server = KapselServer(capsule=extend_shipped_capsule, extra_toml=shipped_feed_section())
        self.addCleanup(server.discard)
        r = server.run("export", os.path.join(self.web, "out"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("no [web] table", r.stderr.decode())
        self.assertFalse(os.path.exists(os.path.join(self.web, "out")))
        plain = server.run("feed").stdout
        with_web = self.make(os.path.join(self.web, "mirror")).run("feed").stdout
        self.assertEqual(len(atom_entries(plain)), 6)
        self.assertEqual([l for _, _, links in atom_entries(plain) for l in links], [("alternate", "text/gemini")] * 6)
        self.assertNotIn(b"text/html", plain)
        self.assertEqual([links[("alternate", "text/html")] for _, _, links in atom_entries(with_web)][:1],
                         ["https://kapsel.example/anteckningar/skript.html"])


if __name__ == "__main__":
    unittest.main()
