"""What a new user trips over, told rather than hidden: a start page without front matter
gets its {{ entries }} list (never the template), a file in a feed directory without front
matter and two entries sharing one updated instant are warnings from `check` and in the log,
and the shipped capsule has none of them."""

import datetime
import os
import re
import shutil
import signal
import subprocess
import tempfile
import textwrap
import unittest
import xml.etree.ElementTree as ET

from harness import BINARY, SLOW, SOURCE_DIR, KapselServer, request, write

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = textwrap.dedent("""\
    [feed]
    title = "Varningar"
    authority = "varning.example,2024"
    paths = ["anteckningar"]
    """)


def doc(title, published, extra=""):
    return '+++\ntitle = "%s"\npublished = %s\n%s+++\n# %s\n\nText.\n' % (title, published, extra, title)


def warnings_of(stderr):
    return [l[len("warning: "):] for l in stderr.decode().splitlines() if l.startswith("warning: ")]


class StartPageWithoutFrontMatter(unittest.TestCase):
    def capsule(self, root):
        write(os.path.join(root, "index.gmi"), "# Start\n\nMina anteckningar:\n{{ entries }}\n\n=> /om.gmi Om\n")
        write(os.path.join(root, "om.gmi"), "# Om\n")
        write(os.path.join(root, "lista", "index.gmi"), "# Lista\n{{ entries }}\n")
        write(os.path.join(root, "anteckningar", "forsta.gmi"), doc("Första", "2024-01-01T10:00:00Z"))
        write(os.path.join(root, "anteckningar", "andra.gmi"), doc("Andra", "2024-02-01T10:00:00Z"))

    def test_the_entries_line_becomes_the_list_in_gemini_and_in_the_mirror(self):
        web = tempfile.mkdtemp(prefix="kapsel-web-")
        self.addCleanup(shutil.rmtree, web, True)
        export = os.path.join(web, "mirror")
        with KapselServer(capsule=self.capsule, extra_toml=FEED + '[web]\nexport_dir = "%s"\nbase_url = "https://v.example/"\n'
                          % export) as server:
            listed = ("=> /anteckningar/andra.gmi 2024-02-01 - Andra\n"
                      "=> /anteckningar/forsta.gmi 2024-01-01 - Första\n")
            for path in ("/", "/index.gmi"):
                with self.subTest(path=path):
                    r = request(server.port, server.url(path))
                    self.assertEqual(r.header, "20 text/gemini; charset=utf-8; lang=sv")
                    self.assertEqual(r.body.decode(), "# Start\n\nMina anteckningar:\n" + listed + "\n=> /om.gmi Om\n")
            self.assertEqual(request(server.port, server.url("/lista/")).body.decode(), "# Lista\n" + listed)
            for page in ("index.html", "lista/index.html"):
                with open(os.path.join(export, page), encoding="utf-8") as f:
                    html = f.read()
                self.assertNotIn("{{", html)
                self.assertIn('<p><a href="/anteckningar/andra.html">2024-02-01 - Andra</a></p>\n'
                              '<p><a href="/anteckningar/forsta.html">2024-01-01 - Första</a></p>\n', html)
            # A new entry: the lists follow at the reload.
            write(os.path.join(server.capsule, "anteckningar", "tredje.gmi"), doc("Tredje", "2024-03-01T10:00:00Z"))
            mark = server.mark()
            server.signal(signal.SIGHUP)
            server.wait_for_log(r"web mirror \S+: \d+ written", timeout=30 * SLOW, since=mark)
            body = request(server.port, server.url("/")).body.decode()
            self.assertIn("Mina anteckningar:\n=> /anteckningar/tredje.gmi 2024-03-01 - Tredje\n" + listed, body)
            with open(os.path.join(export, "index.html"), encoding="utf-8") as f:
                self.assertIn("2024-03-01 - Tredje", f.read())
            self.assertEqual(server.run("check").stderr, b"", "nothing to warn about here")

    def test_a_line_that_only_looks_like_the_marker_is_a_warning_with_its_line(self):
        def capsule(root):
            self.capsule(root)
            write(os.path.join(root, "index.gmi"), "# Start\n\n{{ entries }} \n{{entries}}\n```\n{{entries}}\n```\n")
            write(os.path.join(root, "anteckningar", "tredje.gmi"),
                  '+++\ntitle = "Tredje"\npublished = 2024-03-01T10:00:00Z\n+++\n# Tredje\n\nSe {{ entries }}.\n')
        server = KapselServer(capsule=capsule, extra_toml=FEED)
        self.addCleanup(server.discard)
        r = server.run("check")
        self.assertEqual(r.returncode, 0)
        found = warnings_of(r.stderr)
        tail = ': "{{ entries }}" becomes the list of entries only on a line of its own, exactly so; this line is served as written'
        self.assertEqual(sorted(found), sorted([server.capsule + "/anteckningar/tredje.gmi:7" + tail,
                                                server.capsule + "/index.gmi:3" + tail,
                                                server.capsule + "/index.gmi:4" + tail]))


class FeedWarnings(unittest.TestCase):
    def capsule(self, root):
        write(os.path.join(root, "index.gmi"), "# Start\n{{ entries }}\n")
        write(os.path.join(root, "anteckningar", "riktig.gmi"), doc("Riktig", "2024-01-01T10:00:00Z"))
        write(os.path.join(root, "anteckningar", "glomd.gmi"), "# Glömd\n\nUtan front matter.\n")
        write(os.path.join(root, "anteckningar", "djup", "text.txt"), "Ren text utan front matter.\n")
        write(os.path.join(root, "anteckningar", "bild.png"), b"\x89PNG\r\n\x1a\n", "wb")  # no text: no entry wanted
        write(os.path.join(root, "annat", "sida.gmi"), "# Utanför feed.paths\n")

    def without_front_matter(self, capsule, rel):
        return ("%s/%s: not a feed entry, though its directory is in feed.paths: it has no front matter "
                "(begin it with a +++ header holding at least title and published)" % (capsule, rel))

    def test_a_file_without_front_matter_in_a_feed_directory_is_a_warning_from_check_and_serve(self):
        server = KapselServer(capsule=self.capsule, extra_toml=FEED)
        self.addCleanup(server.discard)
        r = server.run("check")
        self.assertEqual(r.returncode, 0, r.stderr)
        expected = [self.without_front_matter(server.capsule, "anteckningar/djup/text.txt"),
                    self.without_front_matter(server.capsule, "anteckningar/glomd.gmi")]
        self.assertEqual(sorted(warnings_of(r.stderr)), sorted(expected))
        self.assertRegex(r.stdout.decode(), r": OK: .*, 1 feed entries,")
        with server:
            for line in expected:
                server.wait_for_log(r"\[warning\] " + re.escape(line), timeout=5 * SLOW)
            # Served all the same, and not in the feed.
            self.assertEqual(request(server.port, server.url("/anteckningar/glomd.gmi")).status, 20)
            ids = [e.findtext(ATOM + "id") for e in
                   ET.fromstring(request(server.port, server.url("/atom.xml")).body).findall(ATOM + "entry")]
            self.assertEqual(ids, ["tag:varning.example,2024:riktig"])
            # Each reload says it again, with what is new.
            write(os.path.join(server.capsule, "anteckningar", "ny.gmi"), "# Ny, också glömd\n")
            mark = server.mark()
            server.signal(signal.SIGHUP)
            server.wait_for_log(r"reloaded: ", timeout=30 * SLOW, since=mark)
            server.wait_for_log(r"\[warning\] " + re.escape(self.without_front_matter(server.capsule, "anteckningar/ny.gmi")),
                                timeout=5 * SLOW, since=mark)
            # Given front matter, the warning goes and the entry comes.
            write(os.path.join(server.capsule, "anteckningar", "ny.gmi"), doc("Ny", "2024-02-01T10:00:00Z"))
            for name in ("glomd.gmi", os.path.join("djup", "text.txt")):
                os.remove(os.path.join(server.capsule, "anteckningar", name))
            mark = server.mark()
            server.signal(signal.SIGHUP)
            server.wait_for_log(r"reloaded: .* 2 feed entries", timeout=30 * SLOW, since=mark)
            self.assertEqual([l for l in server.lines_since(mark) if "[warning]" in l], [])
            self.assertEqual(warnings_of(server.run("check").stderr), [])

    def test_two_entries_sharing_one_updated_instant_are_a_warning_naming_both(self):
        def capsule(root):
            write(os.path.join(root, "index.gmi"), "# Start\n")
            a = os.path.join(root, "anteckningar")
            write(os.path.join(a, "a.gmi"), doc("A", "2024-01-01T10:00:00Z"))
            write(os.path.join(a, "b.gmi"), doc("B", "2024-01-01T11:00:00+01:00"))  # the same instant as a
            write(os.path.join(a, "c.gmi"), doc("C", "2024-02-01"))
            write(os.path.join(a, "d.gmi"), doc("D", "2024-02-01"))  # one day, no time: one instant
            write(os.path.join(a, "e.gmi"), doc("E", "2023-05-01T00:00:00Z", "updated = 2024-03-01T08:00:00Z\n"))
            write(os.path.join(a, "f.gmi"), doc("F", "2024-03-01T08:00:00Z"))  # e's updated
            write(os.path.join(a, "g.gmi"), doc("G", "2024-03-01T08:00:01Z"))  # a second later: fine
        server = KapselServer(capsule=capsule, extra_toml=FEED)
        self.addCleanup(server.discard)
        r = server.run("check")
        self.assertEqual(r.returncode, 0, r.stderr)
        found = warnings_of(r.stderr)
        self.assertEqual(len(found), 3, found)
        d = server.capsule + "/anteckningar/"
        for first, second, instant in (("a", "b", r"2024-01-01T1\d:00:00(Z|\+01:00)"), ("c", "d", r"2024-02-01T00:00:00Z"),
                                       ("e", "f", r"2024-03-01T08:00:00Z")):
            pattern = (r"^(%s|%s): its entry shares the updated instant %s with (%s|%s)'s; feed validators warn "
                       r"and readers may order them arbitrarily: give each its own \(published or updated with a time\)$"
                       % (re.escape(d + first + ".gmi"), re.escape(d + second + ".gmi"), instant,
                          re.escape(d + first + ".gmi"), re.escape(d + second + ".gmi")))
            matching = [w for w in found if re.match(pattern, w)]
            self.assertEqual(len(matching), 1, (pattern, found))
            self.assertIn(first + ".gmi", matching[0])
            self.assertIn(second + ".gmi", matching[0])
        self.assertFalse([w for w in found if "g.gmi" in w])


class ShippedCapsule(unittest.TestCase):
    def test_the_shipped_configuration_and_capsule_check_without_a_warning(self):
        config = os.path.join(SOURCE_DIR, "server.toml")
        r = subprocess.run([BINARY, "check", "-c", config], capture_output=True, timeout=60 * SLOW)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, b"")
        self.assertRegex(r.stdout.decode(), r"OK: capsule .*, 5 feed entries")
        feed = subprocess.run([BINARY, "feed", "-c", config], capture_output=True, timeout=60 * SLOW, check=True).stdout
        updated = [datetime.datetime.fromisoformat(e.findtext(ATOM + "updated").replace("Z", "+00:00"))
                   for e in ET.fromstring(feed).findall(ATOM + "entry")]
        self.assertEqual(len(updated), 5)
        self.assertEqual(len(set(updated)), 5, "each shipped document has its own instant")


if __name__ == "__main__":
    unittest.main()
