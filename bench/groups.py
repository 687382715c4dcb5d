#!/usr/bin/env python3
"""bench/groups.py — what a key exchange group costs kapsel per full handshake.

    bench/groups.py [--binary build/kapsel] [--groups X25519 X25519MLKEM768] [--rounds 7] [--per-round 100]

One kapsel server per group on loopback (workers = 1, tickets off: every handshake is full),
each with `tls.groups` set to that group alone, and `openssl s_client -groups G` as the client
(so both sides use the same group; the client's own cost is not counted). In each round every
server gets --per-round handshakes, each with one request for the start page, the servers in
turn (the order reversed on odd rounds); the figure is the server's CPU time (every thread's
/proc schedstat, in ns) per handshake, the median over rounds, and each group's ratio to the first one.
A group this OpenSSL lacks (X25519MLKEM768 before OpenSSL 3.5) is reported and skipped.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def cpu_ms(pid):
    """CPU time of every thread of `pid`, in ms, at nanosecond resolution (schedstat)."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, task)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass  # a thread that ended meanwhile
    return total / 1e6


def handshake(port, group):
    out = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost",
                          "-groups", group, "-ign_eof", "-quiet"],
                         input=b"gemini://localhost/\r\n", capture_output=True, timeout=30)
    return out.stdout.startswith(b"20 ")


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", default=os.path.join(repo, "build", "kapsel"))
    p.add_argument("--groups", nargs="+", default=["X25519", "X25519MLKEM768"])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--per-round", type=int, default=100)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="kapsel-groups-")
    servers = {}
    try:
        os.makedirs(os.path.join(work, "capsule"))
        with open(os.path.join(work, "capsule", "index.gmi"), "w") as f:
            f.write("# Bänk\n\nEn rad.\n")
        root_line = "allow_root = true\n" if os.geteuid() == 0 else ""
        for group in args.groups:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            d = os.path.join(work, group)
            os.makedirs(d)
            config = os.path.join(d, "server.toml")
            with open(config, "w") as f:
                f.write('[server]\nlisten = ["127.0.0.1:%d"]\nworkers = 1\n%s[tls]\ncertificate = "cert.pem"\n'
                        'key = "key.pem"\nsession_tickets = 0\ngroups = ["%s"]\n[capsule]\nroot = "%s/capsule"\n'
                        'watch = false\n[log]\naccess_log = "off"\n' % (port, root_line, group, work))
            check = subprocess.run([args.binary, "check", "-c", config], capture_output=True, cwd=d)
            if check.returncode != 0 and b"tls.groups" in check.stderr:
                print("%s: not offered by this OpenSSL, skipped (%s)" % (group, check.stderr.decode().strip()))
                continue
            process = subprocess.Popen([args.binary, "serve", "-c", config], stderr=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, cwd=d)
            deadline = time.monotonic() + 30
            while not handshake(port, group):
                if time.monotonic() > deadline or process.poll() is not None:
                    sys.exit("%s: the server did not answer" % group)
                time.sleep(0.1)
            servers[group] = (process, port)
        per = {g: [] for g in servers}
        for r in range(args.rounds):
            order = list(servers) if r % 2 == 0 else list(reversed(servers))
            for group in order:
                process, port = servers[group]
                before = cpu_ms(process.pid)
                for _ in range(args.per_round):
                    if not handshake(port, group):
                        sys.exit("%s: a handshake failed" % group)
                per[group].append((cpu_ms(process.pid) - before) * 1000 / args.per_round)
        if not per:
            return
        first = next(iter(per))
        print("%s; %d rounds of %d full handshakes per group" % (subprocess.run(
            ["openssl", "version"], capture_output=True, text=True).stdout.strip(), args.rounds, args.per_round))
        for group, values in per.items():
            print("%-16s median %5.0f µs CPU per handshake (rounds: %s)   ÷ %s: %.2f" % (
                group, statistics.median(values), " ".join("%.0f" % v for v in values), first,
                statistics.median(values) / statistics.median(per[first])))
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
