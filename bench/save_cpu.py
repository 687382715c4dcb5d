#!/usr/bin/env python3
"""bench/save_cpu.py — what one saved article costs the server, in CPU, by the capsule's size.

    bench/save_cpu.py [--binary NAME=PATH ...] [--sizes 100,10000] [--rounds 11]

For each binary and each size, one kapsel server on loopback with its own generated capsule
(the articles of bench/reload.py), capsule.watch on, no [web], no load. Each round saves one new
article in every capsule, in an order that turns each round (written under a dot-name, then
renamed into artiklar/, as editors save), and takes the server's CPU from the save to the
reload's "reloaded: ..." line and the freeing of the old capsule after it: the sum of
/proc/PID/task/*/schedstat (nanoseconds, all threads), read again until it stops growing.
Prints every round, the medians, and each binary's largest ÷ smallest size: issue 14 asks
that to be within 2 (the work of a one-article reload independent of the capsule's size).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reload as R  # noqa: E402  (the capsule and the server wrapper)


class WatchedServer(R.Server):
    def __init__(self, binary, work, name):
        super().__init__(binary, work, name, web=False, watch=True)

    def cpu_ns(self):
        total = 0
        task_dir = "/proc/%d/task" % self.process.pid
        for tid in os.listdir(task_dir):
            try:
                with open(os.path.join(task_dir, tid, "schedstat")) as f:
                    total += int(f.read().split()[0])
            except FileNotFoundError:
                pass  # a thread that ended meanwhile
        return total

    def settled_cpu_ns(self):
        # The old capsule is freed on a worker thread after the new one serves: wait until the
        # count stops growing (two reads 20 ms apart that agree within 50 µs).
        last = self.cpu_ns()
        while True:
            time.sleep(0.02)
            now = self.cpu_ns()
            if now - last < 50_000:
                return now
            last = now

    def save_ms(self, n):
        """Server CPU (ms) of publishing article n: save → reloaded → old state freed."""
        tmp = os.path.join(self.capsule, "artiklar", ".ny-%d.txt.tmp" % n)
        with open(tmp, "w") as f:
            f.write(R.article(n, 2026))
        before = self.settled_cpu_ns()
        with self.changed:
            mark = len(self.lines)
        os.rename(tmp, os.path.join(self.capsule, "artiklar", "ny-%d.txt" % n))
        self.wait_for(R.re.compile(r"reloaded: "), mark, 120)
        return (self.settled_cpu_ns() - before) / 1e6


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", action="append", default=[],
                   help="NAME=PATH (repeatable); default: build-bench/kapsel as 'kapsel'")
    p.add_argument("--sizes", default="100,10000")
    p.add_argument("--rounds", type=int, default=11)
    args = p.parse_args()
    binaries = []
    for spec in args.binary or ["kapsel=" + os.path.join(repo, "build-bench", "kapsel")]:
        name, _, path = spec.partition("=")
        path = os.path.abspath(path)
        if not os.access(path, os.X_OK):
            sys.exit("no kapsel at %s" % path)
        binaries.append((name, path))
    sizes = [int(s) for s in args.sizes.split(",")]
    work = tempfile.mkdtemp(prefix="kapsel-save-cpu-")
    servers = {}
    try:
        R.make_certificate(work)
        for size in sizes:
            R.write_capsule(os.path.join(work, "seed-%d" % size), size)
        for name, path in binaries:
            for size in sizes:
                key = "%s-%d" % (name, size)
                shutil.copytree(os.path.join(work, "seed-%d" % size), os.path.join(work, key, "capsule"))
                servers[key] = None
        # The capsule's files must be older than the walk that first reads them (else they are
        # read again at the next reload, as racily clean): wait out the stamps' granularity.
        time.sleep(0.2)
        for name, path in binaries:
            for size in sizes:
                key = "%s-%d" % (name, size)
                servers[key] = WatchedServer(path, work, key)
        keys = list(servers)
        cpu = {k: [] for k in keys}
        print("CPU per saved article (ms), %d rounds, sizes %s" % (args.rounds, sizes))
        for r in range(args.rounds):
            order = keys[r % len(keys):] + keys[:r % len(keys)]
            for k in order:
                cpu[k].append(servers[k].save_ms(100000 + r))
            print("round %2d: " % (r + 1) + "  ".join("%s %6.2f" % (k, cpu[k][-1]) for k in keys))
        print("median:   " + "  ".join("%s %6.2f" % (k, statistics.median(cpu[k])) for k in keys))
        for name, _ in binaries:
            small = statistics.median(cpu["%s-%d" % (name, sizes[0])])
            large = statistics.median(cpu["%s-%d" % (name, sizes[-1])])
            print("%s: %d ÷ %d articles = %.2f" % (name, sizes[-1], sizes[0], large / small))
    finally:
        for s in servers.values():
            if s:
                s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
