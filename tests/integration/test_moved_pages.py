"""Moved and removed pages keep working: front matter aliases (31, and redirect pages in the
web mirror), pinned entry ids across a rename, [[redirect]] (31/30, prefix and exact) and
[[gone]] (52) rules, and the rule errors `kapsel check` reports with FILE:LINE:COL."""

import os
import re
import shutil
import signal
import tempfile
import textwrap
import unittest
import xml.etree.ElementTree as ET

from harness import SLOW, KapselServer, request, write

try:
    import html5lib  # Debian's python3-html5lib
except ImportError:
    html5lib = None

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://kapsel.example/"
FEED = textwrap.dedent("""\
    [feed]
    title = "Flyttat"
    authority = "flytt.example,2024"
    paths = ["anteckningar", "artiklar"]
    """)
RULES = textwrap.dedent("""\
    [[redirect]]
    from = "/gammalt/"
    to = "/anteckningar/"
    permanent = true
    [[redirect]]
    from = "/tillfalligt.gmi"
    to = "/anteckningar/annan.gmi"
    permanent = false
    [[redirect]]
    from = "/utflyttat/"
    to = "gemini://annan.example/in/"
    [[redirect]]
    from = "/flyttad.gmi"
    to = "/artiklar/text.gmi"
    [[gone]]
    path = "/borttagen.gmi"
    [[gone]]
    path = "/arkiv/"
    """)


def doc(title, published, extra="", body=None):
    return '+++\ntitle = "%s"\npublished = %s\n%s+++\n%s' % (title, published, extra, body or "# %s\n" % title)


def moved_capsule(root):
    write(os.path.join(root, "index.gmi"), "# Start\n\n=> /anteckningar/ny.gmi Ny\n")
    write(os.path.join(root, "anteckningar", "ny.gmi"),
          doc("Ny plats", "2024-01-01T10:00:00Z", 'aliases = ["/gammalt-namn.gmi", "/old/dir/ny.gmi"]\n'))
    write(os.path.join(root, "anteckningar", "annan.gmi"), doc("Annan", "2024-01-02T10:00:00Z"))
    write(os.path.join(root, "anteckningar", "å b.gmi"), doc("Konstigt namn", "2024-01-03T10:00:00Z", 'slug = "konstigt"\n'))
    write(os.path.join(root, "anteckningar", "pinnad.gmi"),
          doc("Pinnad", "2024-01-04T10:00:00Z", 'id = "min-forsta-anteckning"\n'))
    write(os.path.join(root, "anteckningar", "opinnad.gmi"), doc("Opinnad", "2024-01-05T10:00:00Z"))
    write(os.path.join(root, "artiklar", "text.txt"),
          doc("Ren text", "2024-01-06T10:00:00Z", 'aliases = ["/old/text.gmi"]\n', "Hej.\n\nEn text.\n"))


def feed_entries(body):
    root = ET.fromstring(body)
    out = {}
    for e in root.findall(ATOM + "entry"):
        gemini = [l.get("href") for l in e.findall(ATOM + "link") if l.get("type") == "text/gemini"]
        out[e.findtext(ATOM + "id")] = (e.findtext(ATOM + "title"), gemini[0])
    return out


class MovedPages(unittest.TestCase):
    def setUp(self):
        self.web = tempfile.mkdtemp(prefix="kapsel-web-")
        self.addCleanup(shutil.rmtree, self.web, True)
        self.export = os.path.join(self.web, "mirror")
        self.server = KapselServer(capsule=moved_capsule, extra_toml=FEED + RULES + textwrap.dedent("""\
            [web]
            export_dir = "%s"
            base_url = "%s"
            """) % (self.export, BASE))
        self.server.start()
        self.addCleanup(self.server.stop)

    def get(self, path):
        r = request(self.server.port, self.server.url(path))
        self.assertTrue(r.close_notify)
        return r

    def reload(self):
        mark = self.server.mark()
        self.server.signal(signal.SIGHUP)
        self.server.wait_for_log(r"reloaded: |reload failed", timeout=30 * SLOW, since=mark)
        return self.server.lines_since(mark)

    def test_aliases_answer_31_with_the_current_url_and_the_old_plain_text_too(self):
        for old, status, target in (
                ("/gammalt-namn.gmi", 31, "/anteckningar/ny.gmi"),
                ("/gammalt-namn.gmi?fr%C3%A5ga=1", 31, "/anteckningar/ny.gmi?fr%C3%A5ga=1"),
                ("/old/dir/ny.gmi", 31, "/anteckningar/ny.gmi"),
                ("/old/text.gmi", 31, "/artiklar/text.gmi"),
                ("/old/text.txt", 31, "/artiklar/text.txt")):
            with self.subTest(old=old):
                r = self.get(old)
                self.assertEqual((r.status, r.meta), (status, target))
                self.assertEqual(r.body, b"")
                # Where it points is served.
                self.assertEqual(self.get(target.split("?")[0]).status, 20)
        self.assertIn(b"\nEn text.\n", self.get("/artiklar/text.txt").body)
        # The old directory is no directory, and the alias of a .gmi is no alias of anything else.
        self.assertEqual(self.get("/old/dir/").status, 51)
        self.assertEqual(self.get("/gammalt-namn.txt").status, 51)

    def test_the_mirror_writes_a_redirect_page_at_each_old_html_path(self):
        pages = {"gammalt-namn.html": BASE + "anteckningar/ny.html",
                 "old/dir/ny.html": BASE + "anteckningar/ny.html",
                 "old/text.html": BASE + "artiklar/text.html",
                 # An exact [[redirect]] to a page moves its mirror page too; a prefix one cannot.
                 "tillfalligt.html": BASE + "anteckningar/annan.html",
                 "flyttad.html": BASE + "artiklar/text.html"}
        for file, target in pages.items():
            with self.subTest(file=file):
                with open(os.path.join(self.export, file), "rb") as f:
                    page = f.read()
                self.assertTrue(os.path.exists(os.path.join(self.export, target[len(BASE):])))
                if html5lib:
                    html = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
                    self.assertEqual(html.get("lang"), "sv")
                    refresh = [m.get("content") for m in html.iter("meta") if m.get("http-equiv") == "refresh"]
                    self.assertEqual(refresh, ["0; url=" + target])
                    self.assertEqual([l.get("href") for l in html.iter("link") if l.get("rel") == "canonical"],
                                     [target])
                    self.assertEqual([a.get("href") for a in html.iter("a")], [target])
                else:
                    self.assertIn(('<meta http-equiv="refresh" content="0; url=%s">' % target).encode(), page)
                    self.assertIn(('<link rel="canonical" href="%s">' % target).encode(), page)
        self.assertIn(b"<title>Ny plats</title>", open(os.path.join(self.export, "gammalt-namn.html"), "rb").read())
        for absent in ("gammalt", "utflyttat", "borttagen.html", "arkiv", "old/text.txt"):
            self.assertFalse(os.path.exists(os.path.join(self.export, absent)), absent)

    def test_redirect_rules_answer_31_or_30_with_the_rest_and_the_query(self):
        for path, status, target in (
                ("/gammalt/", 31, "/anteckningar/"),
                ("/gammalt", 31, "/anteckningar/"),  # the directory as a client may write it
                ("/gammalt?a=b", 31, "/anteckningar/?a=b"),
                ("/gammalt/ny.gmi", 31, "/anteckningar/ny.gmi"),
                ("/gammalt/ny.gmi?a=b", 31, "/anteckningar/ny.gmi?a=b"),
                ("/gammalt/å%20b.gmi", 31, "/anteckningar/%C3%A5%20b.gmi"),
                ("/gammalt/djup/sida.gmi", 31, "/anteckningar/djup/sida.gmi"),
                ("/tillfalligt.gmi", 30, "/anteckningar/annan.gmi"),
                ("/tillfalligt.gmi?x", 30, "/anteckningar/annan.gmi?x"),
                ("/flyttad.gmi", 31, "/artiklar/text.gmi"),
                ("/utflyttat/a/b.gmi?z=1", 31, "gemini://annan.example/in/a/b.gmi?z=1")):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual((r.status, r.meta), (status, target))
        # A prefix rule is the directory and below, nothing beside it.
        self.assertEqual(self.get("/gammaltx.gmi").status, 51)
        self.assertEqual(self.get("/gammal").status, 51)
        # Followed as a client does, the exact rules land on the page.
        self.assertEqual(self.get("/anteckningar/annan.gmi").status, 20)

    def test_gone_rules_answer_52_exactly_and_below_a_prefix(self):
        for path in ("/borttagen.gmi", "/borttagen.gmi?q", "/arkiv/", "/arkiv", "/arkiv/gammal.gmi", "/arkiv/a/b/c.txt"):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual((r.status, r.meta, r.body), (52, "Gone", b""))
        for path in ("/arki", "/arkivet.gmi", "/borttagen.gmi/x", "/borttagen.txt"):
            with self.subTest(path=path):
                self.assertEqual(self.get(path).status, 51)

    def test_a_pinned_id_survives_a_rename_and_a_move_while_an_unpinned_one_follows_the_slug(self):
        before = feed_entries(self.get("/atom.xml").body)
        pinned = "tag:flytt.example,2024:min-forsta-anteckning"
        self.assertEqual(before[pinned], ("Pinnad", "gemini://localhost/anteckningar/pinnad.gmi"))
        self.assertIn("tag:flytt.example,2024:opinnad", before)
        # The pinned one moves to another directory and gets another name; it keeps its old URL
        # as an alias, as README says a rename should.
        capsule = self.server.capsule
        os.remove(os.path.join(capsule, "anteckningar", "pinnad.gmi"))
        write(os.path.join(capsule, "artiklar", "omdopt.gmi"),
              doc("Pinnad", "2024-01-04T10:00:00Z",
                  'id = "min-forsta-anteckning"\naliases = ["/anteckningar/pinnad.gmi"]\n'))
        os.rename(os.path.join(capsule, "anteckningar", "opinnad.gmi"), os.path.join(capsule, "anteckningar", "nytt.gmi"))
        lines = self.reload()
        self.assertTrue(any("reloaded: " in l for l in lines), lines)
        after = feed_entries(self.get("/atom.xml").body)
        self.assertEqual(len(after), len(before), "a rename is no new entry")
        self.assertEqual(after[pinned], ("Pinnad", "gemini://localhost/artiklar/omdopt.gmi"))
        # Without an id the slug is the id: renamed, it is another entry to readers.
        self.assertNotIn("tag:flytt.example,2024:opinnad", after)
        self.assertEqual(after["tag:flytt.example,2024:nytt"][0], "Opinnad")
        r = self.get("/anteckningar/pinnad.gmi")
        self.assertEqual((r.status, r.meta), (31, "/artiklar/omdopt.gmi"))
        # The [[redirect]] from /gammalt/ into anteckningar/ stays valid: through the alias, a
        # reader of the oldest URL still ends at the page.
        r = self.get("/gammalt/pinnad.gmi")
        self.assertEqual((r.status, r.meta), (31, "/anteckningar/pinnad.gmi"))
        # The mirror's feed agrees, and its old page now redirects.
        with open(os.path.join(self.export, "atom.xml"), "rb") as f:
            self.assertEqual(set(feed_entries(f.read())), set(after))
        with open(os.path.join(self.export, "anteckningar", "pinnad.html"), "rb") as f:
            self.assertIn(('content="0; url=%sartiklar/omdopt.html"' % BASE).encode(), f.read())

    def test_two_entries_with_one_id_fail_the_reload_naming_both_files(self):
        write(os.path.join(self.server.capsule, "artiklar", "kopia.gmi"),
              doc("Kopia", "2024-02-01T10:00:00Z", 'id = "min-forsta-anteckning"\n'))
        lines = self.reload()
        failed = [l for l in lines if "reload failed" in l]
        self.assertEqual(len(failed), 1, lines)
        self.assertRegex(failed[0], r'artiklar/kopia\.gmi:4: duplicate id "min-forsta-anteckning": .*'
                                    r'anteckningar/pinnad\.gmi uses it too')
        self.assertEqual(self.get("/gammalt-namn.gmi").status, 31, "still serving the previous capsule")


class RuleErrors(unittest.TestCase):
    """Each rule `kapsel check` must refuse, with the file, line and column of the rule, and
    exit 2; serve refuses to start with the same message."""

    CASES = {
        "target not served": ('[[redirect]]\nfrom = "/x.gmi"\nto = "/finns-inte.gmi"\n', 1,
                              r'\[\[redirect\]\] to "/finns-inte\.gmi" is not served by the capsule'),
        "prefix target not served": ('[[redirect]]\nfrom = "/a/"\nto = "/tom/"\n', 1,
                                     r'\[\[redirect\]\] to "/tom/" is not served by the capsule'),
        "target gone": ('[[gone]]\npath = "/borta.gmi"\n[[redirect]]\nfrom = "/a.gmi"\nto = "/borta.gmi"\n', 3,
                        r'to "/borta\.gmi" is not served'),
        "chain": ('[[redirect]]\nfrom = "/a.gmi"\nto = "/b.gmi"\n[[redirect]]\nfrom = "/b.gmi"\nto = "/anteckningar/ny.gmi"\n',
                  1, r'to "/b\.gmi" is redirected itself \(\[\[redirect\]\]\): a chain or a loop'),
        "loop": ('[[redirect]]\nfrom = "/a.gmi"\nto = "/b.gmi"\n[[redirect]]\nfrom = "/b.gmi"\nto = "/a.gmi"\n', 1,
                 r"a chain or a loop"),
        "itself": ('[[redirect]]\nfrom = "/a/"\nto = "/a/"\n', 1, r"a chain or a loop"),
        "to an alias": ('[[redirect]]\nfrom = "/a.gmi"\nto = "/gammalt-namn.gmi"\n', 1,
                        r'to "/gammalt-namn\.gmi" is redirected itself \(\S+anteckningar/ny\.gmi\)'),
        "redirect shadows a page": ('[[redirect]]\nfrom = "/anteckningar/ny.gmi"\nto = "/anteckningar/annan.gmi"\n', 1,
                                    r'from "/anteckningar/ny\.gmi" would hide the page \S+anteckningar/ny\.gmi serves'),
        "redirect shadows a directory": ('[[redirect]]\nfrom = "/anteckningar/"\nto = "/"\n', 1,
                                         r'from "/anteckningar/" would hide what \S+anteckningar/\S+ serves'),
        "redirect shadows the start page": ('[[redirect]]\nfrom = "/"\nto = "/anteckningar/"\n', 1,
                                            r'from "/" would hide what \S+index\.gmi serves'),
        "gone shadows a page": ('[[gone]]\npath = "/anteckningar/annan.gmi"\n', 1,
                                r'\[\[gone\]\] path "/anteckningar/annan\.gmi" would hide the page \S+annan\.gmi serves'),
        "gone shadows a directory": ('[[gone]]\npath = "/anteckningar/"\n', 1, r'would hide what \S+ serves'),
        "gone shadows the feed": ('[[gone]]\npath = "/atom.xml"\n', 1, r'path "/atom\.xml" would hide the feeds'),
        "gone shadows the archives": ('[[gone]]\npath = "/atom/"\n', 1, r'path "/atom/" would hide the feeds'),
        "redirect of an alias": ('[[redirect]]\nfrom = "/gammalt-namn.gmi"\nto = "/anteckningar/annan.gmi"\n', 1,
                                 r'from "/gammalt-namn\.gmi" is already redirected by \S+ny\.gmi'),
        "gone alias": ('[[gone]]\npath = "/gammalt-namn.gmi"\n', 1, r'is already redirected by \S+ny\.gmi'),
        "one path twice": ('[[gone]]\npath = "/x.gmi"\n[[gone]]\npath = "/x.gmi"\n', 3, r'path "/x\.gmi" is already'),
    }

    def capsule(self, root):
        write(os.path.join(root, "index.gmi"), "# Start\n")
        write(os.path.join(root, "anteckningar", "ny.gmi"),
              doc("Ny", "2024-01-01T10:00:00Z", 'aliases = ["/gammalt-namn.gmi"]\n'))
        write(os.path.join(root, "anteckningar", "annan.gmi"), doc("Annan", "2024-01-03T10:00:00Z"))

    def test_each_bad_rule_is_an_error_at_its_table(self):
        for name, (rules, table_line, message) in self.CASES.items():
            with self.subTest(name):
                server = KapselServer(capsule=self.capsule, extra_toml=FEED + rules)
                try:
                    with open(server.config) as f:
                        first = f.read().splitlines().index(rules.splitlines()[0]) + 1
                    for command in ("check", "serve"):
                        r = server.run(command)
                        self.assertEqual(r.returncode, 2, r.stderr)
                        stderr = r.stderr.decode()
                        self.assertRegex(stderr, r"^%s:%d:1: .*%s" % (re.escape(server.config), first + table_line - 1,
                                                                     message))
                        self.assertEqual(len(stderr.splitlines()), 1, stderr)
                finally:
                    server.discard()

    def test_a_malformed_rule_is_an_error_at_its_key(self):
        for rules, where, message in (
                ('[[redirect]]\nfrom = "/a/../b.gmi"\nto = "/"\n', (2, 8), r"redirect\[0\]\.from must be an absolute path"),
                ('[[redirect]]\nfrom = "/a/"\nto = "/anteckningar/annan.gmi"\n', (3, 6), r'must end in "/" like its from'),
                ('[[redirect]]\nfrom = "/a.gmi"\nto = "https://example.org/"\n', (3, 6), r"must be an absolute path"),
                ('[[gone]]\npath = "x.gmi"\n', (2, 8), r"gone\[0\]\.path must be an absolute path"),
                ('[[gone]]\npath = "/x.gmi"\nstatus = 52\n', (3, 1), r"unknown key 'gone\[0\]\.status'"),
                ('[[redirect]]\nfrom = "/x.gmi"\n', (1, 1), r"\[\[redirect\]\] needs to")):
            with self.subTest(rules=rules):
                server = KapselServer(capsule=self.capsule, extra_toml=FEED + rules)
                try:
                    with open(server.config) as f:
                        first = f.read().splitlines().index(rules.splitlines()[0]) + 1
                    r = server.run("check")
                    self.assertEqual(r.returncode, 2)
                    self.assertRegex(r.stderr.decode(), r"^%s:%d:%d: .*%s" % (re.escape(server.config),
                                                                           first + where[0] - 1, where[1], message))
                finally:
                    server.discard()

    def test_an_alias_that_is_a_page_is_an_error_at_its_line(self):
        def capsule(root):
            self.capsule(root)
            write(os.path.join(root, "anteckningar", "tredje.gmi"),
                  doc("Tredje", "2024-01-04T10:00:00Z", 'aliases = [\n  "/gammal.gmi",\n  "/anteckningar/annan.gmi",\n]\n'))
        server = KapselServer(capsule=capsule, extra_toml=FEED)
        try:
            r = server.run("check")
            self.assertEqual(r.returncode, 2)
            self.assertRegex(r.stderr.decode(), r"^\S+capsule/anteckningar/tredje\.gmi:6: alias \"/anteckningar/annan\.gmi\" "
                                                r"is a page itself \(\S+annan\.gmi\)")
        finally:
            server.discard()


if __name__ == "__main__":
    unittest.main()
