#!/usr/bin/env python3
"""bench/save.py — from saving an article to subscribers seeing it, at 10 000 articles.

    bench/save.py --binary-a OLD/kapsel --binary-b NEW/kapsel [--articles 10000] [--saves 20] [--load-rate 100]

Two kapsel servers on loopback (A and B, each its own copy of one generated capsule, both with
capsule.watch on and workers = 1), honest load running against both meanwhile (one client
process each, --load-rate requests per second (100 by default: a busy capsule, not a
saturated machine, whose figures would only say what share of the CPU the reload got) over TLS,
every answer checked; processes, so that the load never holds the poller's interpreter lock). Each round saves one new
article into both capsules as an editor or `git pull` does (written to a dot-file, renamed into
place), A first on even rounds and B first on odd ones, and times the rename → the moment
both `/atom.xml` and the start page's gemsub list carry it (polled every 2 ms). Prints every
save, the medians, the worst, B ÷ A, the reload's own time as the server logs it ("reloaded:
... in N ms"), the CPU each server spent per save (from /proc, the honest load's share
included: quote it beside the load's count), and the failed requests (0 expected).
"""

import argparse
import multiprocessing
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reload import article, make_certificate, write_capsule  # noqa: E402  (the same generated capsule)

CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


def fetch(port, path, timeout=10):
    with CTX.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=timeout),
                         server_hostname="localhost") as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(("gemini://localhost:%d%s\r\n" % (port, path)).encode())
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ssl.SSLError, ConnectionResetError):
                break
            if not chunk:
                break
            data += chunk
    return data


def honest_load(port, rate, stopping, served, failed):
    next_at = time.monotonic()
    while not stopping.is_set():
        next_at += 1.0 / rate
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            reply = fetch(port, "/artiklar/artikel-1.gmi")
            ok = reply.startswith(b"20 ")
        except OSError:
            ok = False
        with (served if ok else failed).get_lock():
            (served if ok else failed).value += 1


class Server:
    def __init__(self, binary, work, name, rate):
        self.name = name
        self.dir = os.path.join(work, name)
        self.capsule = os.path.join(self.dir, "capsule")
        config = os.path.join(self.dir, "server.toml")
        root_line = "allow_root = true\n" if os.geteuid() == 0 else ""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        with open(config, "w") as f:
            f.write('[server]\nlisten = ["127.0.0.1:%d"]\nworkers = 1\n%s'
                    'rate_limit_per_second = 0\n'
                    '[tls]\ncertificate = "%s/cert.pem"\nkey = "%s/key.pem"\n'
                    '[capsule]\nroot = "capsule"\nwatch = true\n'
                    '[feed]\npaths = ["artiklar"]\ntitle = "Bänk"\nauthority = "bench.example,2023"\n'
                    '[log]\naccess_log = "off"\n' % (self.port, root_line, work, work))
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.process = subprocess.Popen([binary, "serve", "-c", config], stderr=self.log,
                                        stdout=subprocess.DEVNULL, cwd=self.dir)
        deadline = time.monotonic() + 300
        while True:
            try:
                fetch(self.port, "/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit("%s did not start" % name)
                time.sleep(0.1)
        self.served = multiprocessing.Value("l", 0)
        self.failed = multiprocessing.Value("l", 0)
        self.stopping = multiprocessing.Event()
        self.load = multiprocessing.Process(target=honest_load, args=(self.port, rate, self.stopping, self.served, self.failed),
                                            daemon=True)
        self.load.start()

    def reload_times(self):
        """The reloads' own times so far, as the server logged them."""
        with open(os.path.join(self.dir, "log"), "rb") as f:
            return [int(m) for m in re.findall(rb"reloaded: .* in (\d+) ms", f.read())]

    def cpu_ms(self):
        with open("/proc/%d/stat" % self.process.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    def save(self, n):
        """ms from the rename of article `n` into place to it being in /atom.xml and on /."""
        title = b"Artikel %d" % n
        tmp = os.path.join(self.capsule, "artiklar", ".ny-%d.txt.tmp" % n)
        with open(tmp, "w") as f:
            f.write(article(n, 2026))
        start = time.monotonic()
        os.rename(tmp, os.path.join(self.capsule, "artiklar", "artikel-%d.txt" % n))
        seen = set()
        while len(seen) < 2:
            if time.monotonic() - start > 30:
                raise SystemExit("%s: article %d not served within 30 s" % (self.name, n))
            for path in ("/atom.xml", "/"):
                if path not in seen and title + b"<" in fetch(self.port, path).replace(b"\n", b"<"):
                    seen.add(path)
            if len(seen) < 2:
                time.sleep(0.002)
        return (time.monotonic() - start) * 1000

    def stop(self):
        self.stopping.set()
        self.load.join(30)
        self.process.terminate()
        self.process.wait(30)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary-a", required=True)
    p.add_argument("--binary-b", required=True)
    p.add_argument("--articles", type=int, default=10000)
    p.add_argument("--saves", type=int, default=20)
    p.add_argument("--load-rate", type=float, default=100, help="honest load, requests per second per server")
    args = p.parse_args()
    binaries = {"A": os.path.abspath(args.binary_a), "B": os.path.abspath(args.binary_b)}
    work = tempfile.mkdtemp(prefix="kapsel-save-")
    servers = {}
    try:
        make_certificate(work)
        write_capsule(os.path.join(work, "A", "capsule"), args.articles)
        shutil.copytree(os.path.join(work, "A", "capsule"), os.path.join(work, "B", "capsule"))
        for name in ("A", "B"):
            servers[name] = Server(binaries[name], work, name, args.load_rate)
        time.sleep(1)  # the generated files' stamps age past the reuse window (a tick), as a real capsule's are
        times = {"A": [], "B": []}
        cpu = {"A": [], "B": []}
        print("%d articles, %d saves each; A: %s, B: %s" % (args.articles, args.saves, binaries["A"], binaries["B"]))
        for r in range(args.saves):
            order = ["A", "B"] if r % 2 == 0 else ["B", "A"]
            for name in order:
                s = servers[name]
                before = s.cpu_ms()
                times[name].append(s.save(args.articles + 1 + r))
                cpu[name].append(s.cpu_ms() - before)
            print("save %2d: A %6.1f ms   B %6.1f ms" % (r + 1, times["A"][-1], times["B"][-1]))
        for name in ("A", "B"):
            t = times[name]
            reloads = servers[name].reload_times()
            print("%s: median %.1f ms, worst %.1f ms, reload (as logged) median %.0f ms over %d reloads, "
                  "CPU per save (with the load) median %.0f ms; load: %d served, %d failed"
                  % (name, statistics.median(t), max(t), statistics.median(reloads) if reloads else float("nan"),
                     len(reloads), statistics.median(cpu[name]), servers[name].served.value,
                     servers[name].failed.value))
        print("B / A (median): %.2f" % (statistics.median(times["B"]) / statistics.median(times["A"])))
    finally:
        for s in servers.values():
            s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
