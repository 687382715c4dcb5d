"""Feed history (RFC 5005 archived feeds) at scale: a generated capsule of 10 000 articles
over six years, walked from /atom.xml along prev-archive over Gemini and in the web mirror,
and what one more article changes."""

import collections
import datetime
import os
import re
import shutil
import signal
import tempfile
import textwrap
import time
import unittest
import xml.etree.ElementTree as ET

from harness import SLOW, KapselServer, request, write
from mirror_harness import mirror_files

ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
AUTHORITY = "arkiv.example,2019"
# 10 000 under the sanitizer build too, as measured: Python writes the capsule in 1-2 s; kapsel
# loads it and writes its 10 000-page mirror in 1-3 s in a Release build and about 5 s under
# ASan, and the whole file runs in about 14 s under either: far inside ctest's bounds.
COUNT = 10000
START = datetime.datetime(2019, 1, 1, tzinfo=datetime.timezone.utc)
SPAN = datetime.timedelta(days=6 * 365)
MAX_ENTRIES = 50  # feed.max_entries' default, which the test does not set
# Published near a month's edge in another zone: the archive is the month in UTC.
EDGES = {
    "kant-mars": ("2023-04-01T00:30:00+02:00", "2023-03"),
    "kant-januari": ("2022-12-31T23:30:00-05:00", "2023-01"),
    "kant-juli": ("2021-07-01T00:00:00+00:00", "2021-07"),
}


def published_at(i):
    return START + SPAN * i / COUNT


def article(title, published):
    return '+++\ntitle = "%s"\npublished = %s\n+++\n# %s\n\nText.\n' % (title, published, title)


def generate(root):
    """The capsule, written as fast as Python can: one directory, one small file per article.
    Returns {id: UTC month} of every article."""
    months = {}
    directory = os.path.join(root, "artiklar")
    os.makedirs(directory)
    write(os.path.join(root, "index.gmi"), "# Arkivet\n\n=> /atom.xml Flödet\n")
    for i in range(COUNT):
        slug = "a%05d" % i
        t = published_at(i)
        with open(os.path.join(directory, slug + ".gmi"), "w") as f:
            f.write(article("Artikel %d" % i, t.strftime("%Y-%m-%dT%H:%M:%SZ")))
        months[slug] = t.strftime("%Y-%m")
    for slug, (published, month) in EDGES.items():
        with open(os.path.join(directory, slug + ".gmi"), "w") as f:
            f.write(article("Kant " + slug, published))
        months[slug] = month
    return months


def entry_ids(xml_bytes):
    root = ET.fromstring(xml_bytes)
    return [e.findtext(ATOM + "id") for e in root.findall(ATOM + "entry")]


def slug_of(entry_id):
    assert entry_id.startswith("tag:%s:" % AUTHORITY), entry_id
    return entry_id[len("tag:%s:" % AUTHORITY):]


def links(root):
    return {l.get("rel"): l.get("href") for l in root.findall(ATOM + "link") if l.get("type") == "application/atom+xml"}


class ArchivesAtScale(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.web = tempfile.mkdtemp(prefix="kapsel-web-")
        cls.export = os.path.join(cls.web, "mirror")
        started = time.monotonic()
        cls.months = {}
        # SIGHUP alone reloads here: a watcher's reload of the same change would log its own
        # "written" line, and each step counts the files its own reload wrote.
        cls.server = KapselServer(capsule=lambda root: cls.months.update(generate(root)), capsule_toml="watch = false",
                                  extra_toml=textwrap.dedent("""\
                                      [feed]
                                      title = "Arkivet"
                                      authority = "%s"
                                      paths = ["artiklar"]
                                      [web]
                                      export_dir = "%s"
                                      base_url = "https://arkiv.example/"
                                      """) % (AUTHORITY, cls.export))
        cls.generated = time.monotonic() - started
        try:
            cls.server.start()
        except BaseException:
            cls.server.stop()
            shutil.rmtree(cls.web, ignore_errors=True)
            raise
        cls.started = time.monotonic() - started - cls.generated

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.web, ignore_errors=True)

    def fetch(self, url):
        # The documents link each other with the public URL (no port); the server takes it.
        r = request(self.server.port, url, timeout=30 * SLOW)
        self.assertEqual(r.header, "20 application/atom+xml", url)
        self.assertTrue(r.close_notify)
        return r.body

    def walk(self, get, first):
        """[(url, bytes)] from the subscription document along prev-archive to its end."""
        docs, url = [], first
        while url:
            self.assertNotIn(url, [u for u, _ in docs], "prev-archive runs in a circle")
            self.assertLess(len(docs), 500)
            body = get(url)
            docs.append((url, body))
            url = links(ET.fromstring(body)).get("prev-archive")
        return docs

    def gemini_walk(self):
        return self.walk(self.fetch, "gemini://localhost/atom.xml")

    def reload(self):
        mark = self.server.mark()
        self.server.signal(signal.SIGHUP)
        return int(self.server.wait_for_log(r"web mirror \S+: (\d+) written", timeout=60 * SLOW, since=mark).group(1))

    def check_history(self, docs, base, months):
        """Every property RFC 5005 and the issue ask of one walk: returns the archives' ids."""
        subscription_url, subscription = docs[0]
        self.assertEqual(subscription_url, base + "atom.xml")
        root = ET.fromstring(subscription)
        self.assertIsNone(root.find(FH + "archive"), "the subscription document is no archive")
        self.assertEqual(links(root)["self"], base + "atom.xml")
        newest = sorted(months, key=self.published_key, reverse=True)[:MAX_ENTRIES]
        self.assertEqual([slug_of(i) for i in entry_ids(subscription)], newest)
        seen = collections.Counter()
        previous_month = None
        for n, (url, body) in enumerate(docs[1:], start=1):
            m = re.fullmatch(re.escape(base) + r"atom/(\d{4}-\d{2})\.xml", url)
            self.assertTrue(m, url)
            month = m.group(1)
            if previous_month:
                self.assertLess(month, previous_month, "archives go back in time")
            previous_month = month
            root = ET.fromstring(body)
            self.assertIsNotNone(root.find(FH + "archive"), url + " lacks fh:archive")
            rel = links(root)
            self.assertEqual(rel["self"], url)
            self.assertEqual(rel["current"], base + "atom.xml")
            self.assertEqual(rel.get("next-archive"), docs[n - 1][0] if n > 1 else None)
            if n + 1 < len(docs):
                self.assertEqual(rel["prev-archive"], docs[n + 1][0])
            else:
                self.assertNotIn("prev-archive", rel)
            self.assertEqual(root.findtext(ATOM + "id"), ET.fromstring(subscription).findtext(ATOM + "id"),
                             "one logical feed")
            slugs = [slug_of(i) for i in entry_ids(body)]
            self.assertTrue(slugs, url + " is empty")
            for slug in slugs:
                self.assertEqual(months[slug], month, "%s is in %s" % (slug, url))
            self.assertEqual(slugs, sorted(slugs, key=self.published_key, reverse=True), "newest first")
            seen.update(slugs)
        # Each entry once across the archives; the subscription's newest ones are in their
        # months' archives too (RFC 5005 allows the overlap; a reader deduplicates by id).
        self.assertEqual([s for s, c in seen.items() if c > 1], [])
        self.assertEqual(set(seen), set(months))
        return seen

    def published_key(self, slug):
        if slug in EDGES:
            return datetime.datetime.fromisoformat(EDGES[slug][0]).astimezone(datetime.timezone.utc)
        if slug.startswith("a"):
            return published_at(int(slug[1:]))
        return self.extra[slug]

    extra = {}

    def test_1_every_entry_is_reached_once_along_prev_archive_over_gemini_and_in_the_mirror(self):
        docs = self.gemini_walk()
        self.assertEqual(len(docs), 1 + 72, "one archive per month of six years")
        self.check_history(docs, "gemini://localhost/", self.months)
        # The mirror's copy: the same documents at https:// URLs, read from its files.
        files = mirror_files(self.export)
        mirror = self.walk(lambda url: files[url[len("https://arkiv.example/"):]], "https://arkiv.example/atom.xml")
        self.check_history(mirror, "https://arkiv.example/", self.months)
        self.assertEqual([entry_ids(b) for _, b in mirror], [entry_ids(b) for _, b in docs])
        for _, body in mirror[1:2]:
            for e in ET.fromstring(body).findall(ATOM + "entry"):
                html = [l.get("href") for l in e.findall(ATOM + "link") if l.get("type") == "text/html"]
                self.assertEqual(len(html), 1)
                self.assertIn(html[0][len("https://arkiv.example/"):], files)
        with self.subTest("time"):
            # Generous: a Release build starts in about a second with all of this.
            self.assertLess(self.started, 30 * SLOW, "kapsel took %.1f s to load 10 000 articles" % self.started)

    def test_2_one_more_article_changes_only_the_subscription_and_its_own_month(self):
        before = dict(self.gemini_walk())
        newest = published_at(COUNT - 1) + datetime.timedelta(minutes=1)  # still December 2024
        self.add("ny-i-december", newest)
        # In the mirror too: the two documents and the new page, none of the 10 000 others.
        self.assertEqual(self.reload(), 3)
        after = dict(self.gemini_walk())
        self.assertEqual(list(after), list(before), "the same documents, at the same URLs")
        changed = [u for u in after if after[u] != before[u]]
        self.assertEqual(changed, ["gemini://localhost/atom.xml", "gemini://localhost/atom/2024-12.xml"])
        self.assertEqual(slug_of(entry_ids(after["gemini://localhost/atom.xml"])[0]), "ny-i-december")

        # Backdated into an old month: that month's archive alone (the subscription keeps the
        # newest, which did not change).
        self.add("sent-inlagd", datetime.datetime(2020, 5, 17, 12, 0, tzinfo=datetime.timezone.utc))
        self.assertEqual(self.reload(), 2)
        again = dict(self.gemini_walk())
        self.assertEqual([u for u in again if again[u] != after[u]], ["gemini://localhost/atom/2020-05.xml"])
        self.assertIn("sent-inlagd", [slug_of(i) for i in entry_ids(again["gemini://localhost/atom/2020-05.xml"])])

        # A new month: a new newest archive; the one before it gains a next-archive link and
        # nothing else (RFC 5005's chain needs it), every older one stays byte for byte.
        self.add("ny-manad", datetime.datetime(2025, 1, 3, 9, 0, tzinfo=datetime.timezone.utc))
        self.assertEqual(self.reload(), 4)
        third = self.gemini_walk()
        urls = [u for u, _ in third]
        self.assertEqual(urls[1], "gemini://localhost/atom/2025-01.xml")
        self.assertEqual(urls[:1] + urls[2:], list(again))
        third = dict(third)
        self.assertEqual([slug_of(i) for i in entry_ids(third[urls[1]])], ["ny-manad"])
        december = "gemini://localhost/atom/2024-12.xml"
        next_link = ('  <link rel="next-archive" type="application/atom+xml" '
                     'href="gemini://localhost/atom/2025-01.xml"/>\n').encode()
        self.assertIn(next_link, third[december])
        self.assertEqual(third[december].replace(next_link, b""), again[december])
        self.assertEqual([u for u in urls[3:] if third[u] != again[u]], [])
        self.check_history(list(third.items()), "gemini://localhost/", self.months)
        # The mirror followed every step.
        files = mirror_files(self.export)
        mirror = self.walk(lambda url: files[url[len("https://arkiv.example/"):]], "https://arkiv.example/atom.xml")
        self.assertEqual([entry_ids(b) for _, b in mirror], [entry_ids(third[u]) for u in urls])

    def add(self, slug, when):
        write(os.path.join(self.server.capsule, "artiklar", slug + ".gmi"),
              article("Ny " + slug, when.strftime("%Y-%m-%dT%H:%M:%SZ")))
        self.months[slug] = when.strftime("%Y-%m")
        self.extra[slug] = when


if __name__ == "__main__":
    unittest.main()
