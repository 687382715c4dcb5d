"""The shipped capsule through the real server: index, article, notes, Atom feed, reload."""

import os
import re
import shutil
import signal
import subprocess
import unittest

import feedparser  # Debian's python3-feedparser

from harness import KapselServer, SOURCE_DIR, BINARY, request, write

SHIPPED_CAPSULE = os.path.join(SOURCE_DIR, "capsule")
SEED = os.path.join(SOURCE_DIR, "tests", "data", "debatt-tryggt-umea.seed.txt")
ARTICLE = os.path.join(SHIPPED_CAPSULE, "artiklar", "tryggt-umea.txt")


def shipped_feed_section():
    """The [feed] table of the shipped server.toml, so tests use the real settings."""
    with open(os.path.join(SOURCE_DIR, "server.toml"), encoding="utf-8") as f:
        text = f.read()
    return re.search(r"^\[feed\]\n(?:(?!^\[).*\n)*", text, re.M).group(0)


def sentences(text):
    return [s.strip() for s in re.split(r"(?<=[.!?”])\s+", text) if s.strip()]


class ShippedCapsule(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = KapselServer(capsule=SHIPPED_CAPSULE, extra_toml=shipped_feed_section()).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def get(self, path):
        r = request(self.server.port, self.server.url(path))
        self.assertTrue(r.close_notify)
        return r

    def test_index_lists_entries_for_gemini_subscriptions(self):
        r = self.get("/")
        self.assertEqual(r.header, "20 text/gemini; charset=utf-8; lang=sv")
        body = r.body.decode("utf-8")
        self.assertTrue(body.startswith("# "), "the first line is the feed title for gemsub")
        entries = re.findall(r"^=> (\S+) (\d{4}-\d{2}-\d{2}) - (.+)$", body, re.M)
        self.assertGreaterEqual(len(entries), 5)
        self.assertEqual([e[1] for e in entries], sorted((e[1] for e in entries), reverse=True))
        self.assertIn(("/artiklar/tryggt-umea.gmi", "2023-03-20",
                       "Satsningar på ett tryggt och säkert Umeå ger resultat"), entries)
        self.assertRegex(body, r"(?m)^=> /atom\.xml ")
        for path, _, _ in entries:
            with self.subTest(path=path):
                self.assertEqual(self.get(path).status, 20)

    def test_article_keeps_every_sentence_in_order_and_drops_the_share_residue(self):
        body = self.get("/artiklar/tryggt-umea.gmi").body.decode("utf-8")
        with open(SEED, encoding="utf-8") as f:
            seed = f.read()
        self.assertTrue(seed.rstrip().endswith("facebook Twitter Email"))
        article = seed.rstrip()[: -len("facebook Twitter Email")]
        position = 0
        for sentence in sentences(article):
            found = body.find(sentence, position)
            self.assertGreaterEqual(found, 0, "missing or out of order: %r" % sentence)
            position = found + len(sentence)
        self.assertNotIn("facebook", body)
        self.assertNotIn("Twitter Email", body)
        self.assertTrue(body.startswith("# Debatt: “Satsningar på ett tryggt och säkert Umeå ger resultat.”\n"))
        for link in ("=> / ", "=> /atom.xml ", "=> /anteckningar/lokal-operativ-samverkan.gmi "):
            self.assertIn("\n" + link, body)

    def test_plain_text_is_served_beside_the_gemtext(self):
        r = self.get("/artiklar/tryggt-umea.txt")
        self.assertEqual(r.header, "20 text/plain; charset=utf-8")
        with open(ARTICLE, encoding="utf-8") as f:
            source = f.read()
        body_as_written = source.split("+++\n", 2)[2]
        self.assertEqual(r.body.decode("utf-8"), body_as_written)
        self.assertNotIn(b"facebook", r.body)

    def test_notes_link_back_to_the_article(self):
        for note in ("om-artikeln", "kallor", "lokal-operativ-samverkan", "tidslinje"):
            with self.subTest(note=note):
                r = self.get("/anteckningar/%s.gmi" % note)
                self.assertEqual(r.header, "20 text/gemini; charset=utf-8; lang=sv")
                self.assertIn(b"=> /artiklar/tryggt-umea.gmi", r.body)
                self.assertFalse(r.body.startswith(b"+++"), "front matter is not served")

    def test_atom_feed_parses_with_every_entry(self):
        r = self.get("/atom.xml")
        self.assertEqual(r.header, "20 application/atom+xml")
        feed = feedparser.parse(r.body)
        self.assertFalse(feed.bozo, getattr(feed, "bozo_exception", None))
        self.assertEqual(feed.version, "atom10")
        self.assertEqual(feed.feed.title, "Tryggt och säkert Umeå")
        self.assertTrue(feed.feed.id.startswith("tag:"))
        self.assertIn("gemini://localhost/atom.xml", [l.href for l in feed.feed.links if l.rel == "self"])
        self.assertEqual(len(feed.entries), 5)
        updated = [e.updated_parsed for e in feed.entries]
        self.assertEqual(updated, sorted(updated, reverse=True), "newest first")
        ids = [e.id for e in feed.entries]
        self.assertEqual(len(set(ids)), len(ids))
        article = next(e for e in feed.entries if e.title == "Satsningar på ett tryggt och säkert Umeå ger resultat")
        self.assertEqual([a.name for a in article.authors], ["Hans Lindberg (S)", "Janet Ågren (S)"])
        self.assertTrue(article.published.startswith("2023-03-20"))
        self.assertIn("gemini://localhost/artiklar/tryggt-umea.gmi", [l.href for l in article.links])
        self.assertIn("Uthållighet är nyckeln.", article.content[0].value)
        self.assertNotIn("facebook", article.content[0].value)

    def test_served_feed_equals_kapsel_feed_output(self):
        served = self.get("/atom.xml").body
        printed = self.server.run("feed").stdout
        self.assertEqual(served, printed)
        # The listener's port never leaks into the feed: it is built from the public base URL.
        self.assertNotIn(b":%d" % self.server.port, served)


class FeedStability(unittest.TestCase):
    def test_feed_is_byte_identical_across_loads_and_ids_survive_a_hostname_change(self):
        feed_a = subprocess.run([BINARY, "feed", "-c", os.path.join(SOURCE_DIR, "server.toml")],
                                capture_output=True, check=True).stdout
        feed_b = subprocess.run([BINARY, "feed", "-c", os.path.join(SOURCE_DIR, "server.toml")],
                                capture_output=True, check=True).stdout
        self.assertEqual(feed_a, feed_b)
        with KapselServer(capsule=SHIPPED_CAPSULE, extra_toml=shipped_feed_section(),
                          hostnames=("gemini.example.org", "localhost")) as server:
            other = server.run("feed", "--host", "gemini.example.org").stdout
        ids_a = re.findall(rb"<id>(.*?)</id>", feed_a)
        ids_b = re.findall(rb"<id>(.*?)</id>", other)
        self.assertEqual(ids_a, ids_b)
        self.assertIn(b"gemini://gemini.example.org/atom.xml", other)


class Reload(unittest.TestCase):
    NEW_ARTICLE = ("+++\ntitle = \"Ny artikel\"\nslug = \"ny\"\nauthors = [{ name = \"Testare\" }]\n"
                   "published = 2024-01-02T10:00:00+01:00\n+++\nNy artikel\n\nEtt stycke.\n")

    def test_sighup_picks_up_a_new_article_and_a_broken_one_keeps_the_old_state(self):
        # The watcher is off: only SIGHUP can make this pass.
        with KapselServer(capsule=SHIPPED_CAPSULE, extra_toml=shipped_feed_section(),
                          capsule_toml="watch = false") as server:
            self.assertEqual(request(server.port, server.url("/artiklar/ny.gmi")).status, 51)
            write(os.path.join(server.capsule, "artiklar", "ny.txt"), self.NEW_ARTICLE)
            server.signal(signal.SIGHUP)
            server.wait_for_log(r"reloaded: \d+ resources, 6 feed entries")
            self.assertEqual(request(server.port, server.url("/artiklar/ny.gmi")).status, 20)
            self.assertIn(b"=> /artiklar/ny.gmi 2024-01-02 - Ny artikel", request(server.port, server.url("/")).body)
            self.assertIn(b"<title>Ny artikel</title>", request(server.port, server.url("/atom.xml")).body)

            write(os.path.join(server.capsule, "artiklar", "trasig.txt"),
                  "+++\ntitle = \"Trasig\"\npublished = 2024-13-45\n+++\nx\n")
            server.signal(signal.SIGHUP)
            m = server.wait_for_log(r"reload failed, still serving the previous capsule: (.*)")
            self.assertRegex(m.group(1), r"artiklar/trasig\.txt:3: ")
            self.assertEqual(request(server.port, server.url("/artiklar/ny.gmi")).status, 20)
            self.assertEqual(request(server.port, server.url("/artiklar/trasig.gmi")).status, 51)


class Watch(unittest.TestCase):
    """The watcher on its own: no test here sends SIGHUP."""

    def test_a_burst_of_changes_is_one_reload(self):
        # Twelve files written back to back (as an editor saving a project, or a git pull):
        # one reload, which serves them all.
        with KapselServer(capsule=SHIPPED_CAPSULE, extra_toml=shipped_feed_section()) as server:
            server.wait_for_log(r"watching .* for changes")
            mark = server.mark()
            # Created first, then written and closed back to back: the watcher waits for files
            # being written, and then for the burst of closes to be quiet.
            files = [open(os.path.join(server.capsule, "anteckningar", "skur-%d.gmi" % i), "w") for i in range(12)]
            for i, f in enumerate(files):
                f.write("# Skur %d\n" % i)
            for f in files:
                f.close()
            server.wait_for_log(r"reloaded: ", since=mark)
            for i in range(12):
                r = request(server.port, server.url("/anteckningar/skur-%d.gmi" % i))
                self.assertEqual((r.status, r.body), (20, b"# Skur %d\n" % i))
            # A positive signal that everything before it is in the log: this request's line.
            request(server.port, server.url("/?after-the-burst"))
            end = server.wait_for_log(r'"[^"]*/\?after-the-burst" 20 ', since=mark)
            lines = server.lines_since(mark)
            upto = next(i for i, line in enumerate(lines) if line == end.string)
            reloads = [line for line in lines[:upto] if "a file changed: reloading" in line]
            self.assertEqual(len(reloads), 1, "\n".join(lines[:upto]))

    def test_a_file_still_being_written_is_not_read(self):
        # A new article written slowly (an editor, a copy over the network): nothing is read
        # while it is open, and once it is closed it is served whole, with one reload.
        with KapselServer(capsule=SHIPPED_CAPSULE, extra_toml=shipped_feed_section()) as server:
            server.wait_for_log(r"watching .* for changes")
            mark = server.mark()
            path = os.path.join(server.capsule, "artiklar", "langsam.txt")
            with open(path, "w") as f:
                f.write(Reload.NEW_ARTICLE[:20])  # inside the front matter: a build would fail
                f.flush()
                # Far past the watcher's quiet time and its 0.3 s bound for finished changes.
                with self.assertRaises(AssertionError):
                    server.wait_for_log(r"reloading", timeout=1.0, since=mark)
                f.write(Reload.NEW_ARTICLE[20:])
            server.wait_for_log(r"reloaded: \d+ resources, 6 feed entries", since=mark)
            self.assertEqual(request(server.port, server.url("/artiklar/ny.gmi")).status, 20)
            self.assertFalse([line for line in server.lines_since(mark) if "reload failed" in line])
            self.assertEqual(len([line for line in server.lines_since(mark) if "a file changed: reloading" in line]), 1)

    def test_an_image_is_served_whole_after_every_kind_of_reload(self):
        # The tree a reload keeps holds no copy of an image's bytes (its response does): a
        # reload that reads only what changed must still serve the image whole, whether it
        # builds the capsule anew (the start page edited) or patches it (an article added).
        image = bytes(range(256)) * 40
        with KapselServer(capsule=SHIPPED_CAPSULE, extra_toml=shipped_feed_section()) as server:
            server.wait_for_log(r"watching .* for changes")
            steps = [
                ("an image added", os.path.join("media", "bild.png"), image),
                ("an article added", os.path.join("artiklar", "ny.txt"), Reload.NEW_ARTICLE.encode()),
                ("the start page edited", "index.gmi", None),
                ("a note added", os.path.join("anteckningar", "ny-not.gmi"), b"# Ny not\n"),
            ]
            for what, rel, content in steps:
                mark = server.mark()
                path = os.path.join(server.capsule, rel)
                if content is None:
                    with open(path, "ab") as f:
                        f.write("\nEn rad till på startsidan.\n".encode())
                else:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "wb") as f:
                        f.write(content)
                server.wait_for_log(r"reloaded: ", since=mark)
                r = request(server.port, server.url("/media/bild.png"))
                self.assertEqual((r.status, r.meta), (20, "image/png"), what)
                self.assertEqual(r.body, image, what)

    def test_new_files_are_served_without_a_signal(self):
        with KapselServer(capsule=SHIPPED_CAPSULE, extra_toml=shipped_feed_section()) as server:
            server.wait_for_log(r"watching .* for changes")
            self.assertEqual(request(server.port, server.url("/artiklar/ny.gmi")).status, 51)
            mark = server.mark()
            write(os.path.join(server.capsule, "artiklar", "ny.txt"), Reload.NEW_ARTICLE)
            server.wait_for_log(r"a file changed: reloading", since=mark)
            server.wait_for_log(r"reloaded: \d+ resources, 6 feed entries", since=mark)
            self.assertEqual(request(server.port, server.url("/artiklar/ny.gmi")).status, 20)
            # A directory made after the start is watched too: a file in it triggers a reload.
            mark = server.mark()
            os.makedirs(os.path.join(server.capsule, "artiklar", "2024"))
            server.wait_for_log(r"reloaded: ", since=mark)
            mark = server.mark()
            write(os.path.join(server.capsule, "artiklar", "2024", "x.gmi"), "# x\n")
            server.wait_for_log(r"reloaded: ", since=mark)
            self.assertEqual(request(server.port, server.url("/artiklar/2024/x.gmi")).status, 20)

    def settled(self, server):
        """Waits for the watcher, and spends its first reload (which reads the whole tree: what
        changed before it watched is unknown), so that the next ones read only what changed."""
        server.wait_for_log(r"watching .* for changes")
        mark = server.mark()
        write(os.path.join(server.capsule, "anteckningar", "start.gmi"), "# Start\n")
        server.wait_for_log(r"reloaded: ", since=mark)

    def reload_after(self, server, change):
        mark = server.mark()
        change()
        line = server.wait_for_log(r"reloaded: |reload failed", since=mark)
        return "reloaded: " in line.string

    def test_what_changed_in_new_moved_and_removed_directories_is_served(self):
        # Reloads that read only what the watcher reported: files in a directory made and
        # filled before the watcher could watch it, a file edited in place there, the
        # directory renamed and then removed, each served as a whole read would serve it.
        with KapselServer(capsule=SHIPPED_CAPSULE, extra_toml=shipped_feed_section()) as server:
            self.settled(server)
            deep = os.path.join(server.capsule, "anteckningar", "2025", "mars")
            self.assertTrue(self.reload_after(server, lambda: (os.makedirs(deep), write(os.path.join(deep, "a.gmi"), "# A\n"),
                                                               write(os.path.join(deep, "b.gmi"), "# B\n"))))
            for name in ("a", "b"):
                r = request(server.port, server.url("/anteckningar/2025/mars/%s.gmi" % name))
                self.assertEqual((r.status, r.body), (20, ("# %s\n" % name.upper()).encode()))
            self.assertTrue(self.reload_after(server, lambda: write(os.path.join(deep, "a.gmi"), "# A, ändrad\n")))
            self.assertEqual(request(server.port, server.url("/anteckningar/2025/mars/a.gmi")).body, "# A, ändrad\n".encode())
            self.assertTrue(self.reload_after(server, lambda: write(os.path.join(deep, "c.gmi"), "# C\n")))
            self.assertEqual(request(server.port, server.url("/anteckningar/2025/mars/c.gmi")).status, 20)
            moved = os.path.join(server.capsule, "anteckningar", "2026")
            self.assertTrue(self.reload_after(server, lambda: os.rename(os.path.join(server.capsule, "anteckningar", "2025"),
                                                                        moved)))
            self.assertEqual(request(server.port, server.url("/anteckningar/2025/mars/a.gmi")).status, 51)
            self.assertEqual(request(server.port, server.url("/anteckningar/2026/mars/a.gmi")).status, 20)
            # Watched under its new name: an edit there is seen.
            self.assertTrue(self.reload_after(server, lambda: write(os.path.join(moved, "mars", "b.gmi"), "# B, ny\n")))
            self.assertEqual(request(server.port, server.url("/anteckningar/2026/mars/b.gmi")).body, b"# B, ny\n")
            self.assertTrue(self.reload_after(server, lambda: shutil.rmtree(moved)))
            self.assertEqual(request(server.port, server.url("/anteckningar/2026/mars/b.gmi")).status, 51)
            self.assertEqual(request(server.port, server.url("/anteckningar/kallor.gmi")).status, 20)

    def test_what_a_failed_reload_saw_is_read_by_the_next(self):
        # One burst: a broken article and an edited page. The reload fails and serves neither;
        # mending the article alone then serves both.
        with KapselServer(capsule=SHIPPED_CAPSULE, extra_toml=shipped_feed_section()) as server:
            self.settled(server)
            article = os.path.join(server.capsule, "artiklar", "trasig.txt")
            page = os.path.join(server.capsule, "anteckningar", "kallor.gmi")
            self.assertFalse(self.reload_after(server, lambda: (write(article, Reload.NEW_ARTICLE[:30]),
                                                                write(page, "# Källor, ändrade\n"))))
            self.assertNotEqual(request(server.port, server.url("/anteckningar/kallor.gmi")).body,
                                "# Källor, ändrade\n".encode())
            self.assertTrue(self.reload_after(server, lambda: write(article, Reload.NEW_ARTICLE)))
            self.assertEqual(request(server.port, server.url("/anteckningar/kallor.gmi")).body,
                             "# Källor, ändrade\n".encode())
            self.assertEqual(request(server.port, server.url("/artiklar/ny.gmi")).status, 20)

    def test_watching_can_be_turned_off(self):
        with KapselServer(capsule_toml="watch = false") as server:
            server.wait_for_log(r"serving gemini://")
            self.assertFalse([line for line in server.log if "watching" in line])
            write(os.path.join(server.capsule, "sub", "page.gmi"), "# Ändrad\n")
            write(os.path.join(server.capsule, "ny.gmi"), "# Ny\n")
            mark = server.mark()
            # A watcher would have reloaded within its 0.3 s settle time: give it five times that.
            with self.assertRaises(AssertionError):
                server.wait_for_log(r"reloading", timeout=1.5, since=mark)
            self.assertEqual(request(server.port, server.url("/sub/page.gmi")).body, "# Sida\nåäö\n".encode())
            self.assertEqual(request(server.port, server.url("/ny.gmi")).status, 51)
            # The changes were real: SIGHUP picks them up.
            server.signal(signal.SIGHUP)
            server.wait_for_log(r"reloaded: ", since=mark)
            self.assertEqual(request(server.port, server.url("/sub/page.gmi")).body, "# Ändrad\n".encode())


class BadCapsule(unittest.TestCase):
    CASES = {
        "broken header": ("a.txt", "+++\ntitle = \"x\"\npublished = \n+++\nBody\n", r"a\.txt:3: "),
        "bad date": ("a.txt", "+++\ntitle = \"x\"\npublished = 2023-02-30\n+++\nBody\n", r"a\.txt:3: "),
        "invalid UTF-8": ("a.gmi", b"# ok\n\xff\xfe\n", r"a\.gmi:2: "),
        "unterminated front matter": ("a.txt", "+++\ntitle = \"x\"\n", r"a\.txt:1: "),
    }

    def check_fails(self, files, pattern):
        tmp = KapselServer(capsule=lambda root: [write(os.path.join(root, "artiklar", name), content,
                                                       "wb" if isinstance(content, bytes) else "w")
                                                 for name, content in files]
                           + [write(os.path.join(root, "index.gmi"), "# i\n")],
                           extra_toml='[feed]\npaths = ["artiklar"]\n')
        self.addCleanup(tmp.discard)
        for command in ("check", "serve"):
            with self.subTest(command=command):
                p = tmp.run(command)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertRegex(p.stderr.decode(), pattern)

    def test_each_broken_file_stops_check_and_start_naming_file_and_line(self):
        for name, (file, content, pattern) in self.CASES.items():
            with self.subTest(case=name):
                self.check_fails([(file, content)], r"capsule/artiklar/" + pattern)

    def test_duplicate_slug(self):
        doc = "+++\ntitle = \"x\"\nslug = \"same\"\npublished = 2023-01-01\n+++\nBody\n"
        self.check_fails([("a.txt", doc), ("b.txt", doc)], r"capsule/artiklar/b\.txt:3: duplicate slug \"same\"")

    def test_check_accepts_the_shipped_configuration(self):
        p = subprocess.run([BINARY, "check", "-c", os.path.join(SOURCE_DIR, "server.toml")],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout.decode(), r"OK: .* 5 feed entries")


if __name__ == "__main__":
    unittest.main()
