#!/usr/bin/env python3
"""bench/reload.py — what a reload costs at 10 000 articles, with and without the web mirror.

    bench/reload.py [--binary build-bench/kapsel] [--articles 10000] [--rounds 11]

Two kapsel servers on loopback, each with its own copy of one generated capsule: A without
[web], B with [web] export_dir (the mirror: 10 000 HTML pages, the .txt originals, the feed and
its archives). Each round publishes one new article in both capsules and sends SIGHUP, to A then
B (B then A on odd rounds), and times SIGHUP → the reload's last log line: "reloaded: ..." for A,
"web mirror ...: N written" for B (the mirror is written after the new state serves). Prints
every round, the medians and B ÷ A, for the wall time and for the CPU time the server spent
(utime + stime from /proc, which a busy machine disturbs far less). Capsule watching is off, so
only the SIGHUP reloads.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BODY = ("Kapsel är en liten server för Geminiprotokollet. Den här texten står här för att\n"
        "varje artikel ska ha ett par stycken, ungefär som en riktig anteckning.\n\n"
        "Andra stycket säger lite mer. Ett stycke är en rad i gemtext, så klienten\nbryter den själv.\n")


def article(i, year=2023):
    m, d, h, mi = (i - 1) % 12 + 1, (i - 1) % 28 + 1, (i // 60) % 24, i % 60
    return ('+++\ntitle = "Artikel %d"\nslug = "artikel-%d"\nauthors = [{ name = "A. Författare" }]\n'
            "published = %d-%02d-%02dT%02d:%02d:00+01:00\n+++\nRubrik %d\n\n%s" % (i, i, year, m, d, h, mi, i, BODY))


def make_certificate(work):
    """A self-signed P-256 certificate for localhost: work/cert.pem and work/key.pem."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "30", "-subj", "/CN=localhost", "-keyout", os.path.join(work, "key.pem"),
                    "-out", os.path.join(work, "cert.pem")], check=True, capture_output=True)


def write_capsule(root, n):
    os.makedirs(os.path.join(root, "artiklar"))
    with open(os.path.join(root, "index.gmi"), "w") as f:
        f.write("# Bänk\n\n{{ entries }}\n")
    for i in range(1, n + 1):
        with open(os.path.join(root, "artiklar", "artikel-%d.txt" % i), "w") as f:
            f.write(article(i))


class Server:
    def __init__(self, binary, work, name, web, watch=False):
        self.dir = os.path.join(work, name)
        self.capsule = os.path.join(self.dir, "capsule")
        config = os.path.join(self.dir, "server.toml")
        root_line = "allow_root = true\n" if os.geteuid() == 0 else ""
        with open(config, "w") as f:
            f.write('[server]\nlisten = ["127.0.0.1:0"]\nworkers = 1\n%s'
                    '[tls]\ncertificate = "%s/cert.pem"\nkey = "%s/key.pem"\n'
                    '[capsule]\nroot = "capsule"\nwatch = %s\n'
                    '[feed]\npaths = ["artiklar"]\ntitle = "Bänk"\nauthority = "bench.example,2023"\n'
                    '[log]\naccess_log = "off"\n' % (root_line, work, work, "true" if watch else "false"))
            if web:
                f.write('[web]\nexport_dir = "web"\nbase_url = "https://bench.example/"\n')
        self.end = re.compile(r"web mirror .*: \d+ written" if web else r"reloaded: ")
        self.lines = []
        self.changed = threading.Condition()
        self.process = subprocess.Popen([binary, "serve", "-c", config], stderr=subprocess.PIPE,
                                        stdout=subprocess.DEVNULL, cwd=self.dir)
        threading.Thread(target=self.read, daemon=True).start()
        self.wait_for(re.compile(r"listening on "), 0, 300)
        if web:
            self.wait_for(self.end, 0, 300)

    def read(self):
        for raw in iter(self.process.stderr.readline, b""):
            with self.changed:
                self.lines.append((time.monotonic(), raw.decode("utf-8", "replace")))
                self.changed.notify_all()

    def wait_for(self, regex, since, timeout):
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for stamp, line in self.lines[since:]:
                    if "reload failed" in line:
                        raise SystemExit("reload failed: " + line)
                    if regex.search(line):
                        return stamp
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    raise SystemExit("no %r within %d s" % (regex.pattern, timeout))
                self.changed.wait(remaining)

    def cpu_ms(self):
        with open("/proc/%d/stat" % self.process.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    def reload_ms(self, new_article):
        """(wall ms, CPU ms) of one reload that publishes article `new_article`."""
        with open(os.path.join(self.capsule, "artiklar", "ny-%d.txt" % new_article), "w") as f:
            f.write(article(new_article, 2026))
        with self.changed:
            mark = len(self.lines)
        cpu = self.cpu_ms()
        sent = time.monotonic()
        self.process.send_signal(signal.SIGHUP)
        wall = (self.wait_for(self.end, mark, 120) - sent) * 1000
        return wall, self.cpu_ms() - cpu

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", default=os.path.join(repo, "build-bench", "kapsel"))
    p.add_argument("--articles", type=int, default=10000)
    p.add_argument("--rounds", type=int, default=11)
    args = p.parse_args()
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        sys.exit("no kapsel at %s (cmake --build build-bench)" % args.binary)
    work = tempfile.mkdtemp(prefix="kapsel-reload-")
    servers = []
    try:
        make_certificate(work)
        write_capsule(os.path.join(work, "a", "capsule"), args.articles)
        shutil.copytree(os.path.join(work, "a", "capsule"), os.path.join(work, "b", "capsule"))
        a = Server(args.binary, work, "a", web=False)
        servers.append(a)
        b = Server(args.binary, work, "b", web=True)
        servers.append(b)
        times = {"A": [], "B": []}
        cpu = {"A": [], "B": []}
        print("%d articles, %d rounds; A: no mirror, B: [web] mirror" % (args.articles, args.rounds))
        for r in range(args.rounds):
            order = [("A", a), ("B", b)] if r % 2 == 0 else [("B", b), ("A", a)]
            for name, server in order:
                wall, used = server.reload_ms(args.articles + r + 1)
                times[name].append(wall)
                cpu[name].append(used)
            print("round %2d: A %7.1f ms (CPU %5.0f)   B %7.1f ms (CPU %5.0f)"
                  % (r + 1, times["A"][-1], cpu["A"][-1], times["B"][-1], cpu["B"][-1]))
        ma, mb = statistics.median(times["A"]), statistics.median(times["B"])
        ca, cb = statistics.median(cpu["A"]), statistics.median(cpu["B"])
        print("median:   A %7.1f ms (CPU %5.0f)   B %7.1f ms (CPU %5.0f)   B / A = %.2f wall, %.2f CPU"
              % (ma, ca, mb, cb, mb / ma, cb / ca if ca else float("nan")))  # CPU in 10 ms ticks: 0 for a tiny capsule
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
