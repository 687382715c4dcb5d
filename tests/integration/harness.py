"""Starts the real kapsel binary on loopback and talks to it as Gemini clients do.

Each KapselServer gets its own temporary directory with a capsule, a server.toml and a
certificate made by kapsel itself at start. The server listens on 127.0.0.1 port 0; the
harness learns the real port from kapsel's "listening on" log line.
"""

import array
import fcntl
import os
import re
import select
import termios
import threading
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import textwrap
import time

BINARY = os.environ.get("KAPSEL_BINARY", "kapsel")
# Capabilities a test may need that a machine may lack. Missing, the test is skipped with the
# reason; named in KAPSEL_REQUIRE ("root landlock ..." or "all": .ci/run says all, since CI runs
# as root with Landlock, IPv6 on loopback and every package the setup script installs), a
# missing one fails the test instead, so nothing passes there by being skipped.
REQUIRED = set(os.environ.get("KAPSEL_REQUIRE", "").split())


def require(test, capability, present, why):
    """Skips `test` (a unittest.TestCase) unless `present`; fails it when KAPSEL_REQUIRE asks
    for `capability`. `why` says what is missing, for the skip line."""
    if present:
        return
    if "all" in REQUIRED or capability in REQUIRED:
        test.fail("needs %s: %s (KAPSEL_REQUIRE=%s says this machine has it)"
                  % (capability, why, os.environ.get("KAPSEL_REQUIRE")))
    test.skipTest("needs %s: %s" % (capability, why))


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False
SOURCE_DIR = os.environ.get("KAPSEL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
START_TIMEOUT = 30.0  # generous: sanitizer builds start slowly
# Sanitizer builds run several times slower; test.sh sets KAPSEL_SANITIZED for them. Bounds
# on how long the server may take for something scale by this; bounds on how long it must
# wait (a deadline it keeps) do not.
SLOW = 4.0 if os.environ.get("KAPSEL_SANITIZED") else 1.0


def write(path, content, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(content)


def small_capsule(root):
    """A capsule with one of each kind of thing the server must handle."""
    write(os.path.join(root, "index.gmi"), "# Testkapsel\n\n=> /sub/ Underkatalog\n")
    write(os.path.join(root, "sub", "index.gmi"), "# Under\n")
    write(os.path.join(root, "sub", "page.gmi"), "# Sida\nåäö\n")
    write(os.path.join(root, "plain.txt"), "Bara text.\n")
    write(os.path.join(root, "picture.png"), b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "wb")
    write(os.path.join(root, "data.unknownext"), b"\x00\x01\x02", "wb")
    write(os.path.join(root, "big.gmi"), "# Stor\n" + ("rad " * 20 + "\n") * 4000)
    write(os.path.join(root, "noindex", "file.txt"), "x\n")
    write(os.path.join(root, ".hidden"), "secret dot-file\n")
    write(os.path.join(root, ".git", "config"), "secret git config\n")
    write(os.path.join(root, "mellanslag och å.gmi"), "# Konstigt namn\n")


class KapselServer:
    """A running kapsel on 127.0.0.1; use as a context manager or call start()/stop()."""

    def __init__(self, capsule=None, server=None, extra_toml="", hostnames=("localhost",), user=None,
                 capsule_toml="", access_log="stderr", stdout_path=None, env=None, hosts_toml=None, tls_toml=""):
        self.dir = tempfile.mkdtemp(prefix="kapsel-test-")
        self.capsule = os.path.join(self.dir, "capsule")
        if capsule is None:
            small_capsule(self.capsule)
        elif callable(capsule):
            capsule(self.capsule)
        else:
            shutil.copytree(capsule, self.capsule)
        settings = {
            "listen": '["127.0.0.1:0"]',
            "hostnames": "[" + ", ".join('"%s"' % h for h in hostnames) + "]",
            "request_timeout": "5.0",
            "shutdown_grace": "5.0",
            "workers": "2",
        }
        if user:
            settings["user"] = '"%s"' % user
        else:
            settings["allow_root"] = "true"
        settings.update(server or {})
        server_lines = "\n".join("%s = %s" % kv for kv in settings.items())
        self.config = os.path.join(self.dir, "server.toml")
        if hosts_toml is None:  # the single-host form
            host_tables = textwrap.dedent("""\
                [tls]
                certificate = "certs/cert.pem"
                key = "certs/key.pem"
                {tls_extra}
                [capsule]
                root = "capsule"
                lang = "sv"
                {capsule_extra}
                """).format(capsule_extra=capsule_toml, tls_extra=tls_toml)
        else:  # [[host]] tables, given whole; [capsule] may still say watch = ...
            server_lines = "\n".join(line for line in server_lines.splitlines() if not line.startswith("hostnames"))
            host_tables = ("[capsule]\n" + capsule_toml + "\n" if capsule_toml else "") + textwrap.dedent(hosts_toml)
        write(self.config, textwrap.dedent("""\
            [server]
            {server}
            {hosts}
            [log]
            level = "debug"
            access_log = "{access_log}"
            {extra}
            """).format(server=server_lines, hosts=host_tables, extra=extra_toml, access_log=access_log))
        # An empty OpenSSL configuration: only what kapsel itself sets counts, not Debian's
        # system-wide defaults (which would hide a missing protocol floor, say).
        self.openssl_conf = os.path.join(self.dir, "openssl.cnf")
        write(self.openssl_conf, "")
        self.stdout_path = stdout_path  # where the server's stdout goes (default: nowhere)
        self.env = dict(env or {})      # more environment for the server
        self.process = None
        self.port = None
        self.log = []
        self._log_changed = threading.Condition()
        self._reader = None
        self._stderr_closed = False

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, args=()):
        if self.process:  # a restart: the old log is the old process's
            self._reader.join(10)
            self.process.stderr.close()
        self.log, self._stderr_closed = [], False
        env = dict(os.environ, OPENSSL_CONF=self.openssl_conf, **self.env)
        stdout = open(self.stdout_path, "ab") if self.stdout_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [BINARY, "serve", "-c", self.config, *args],
            stdout=stdout, stderr=subprocess.PIPE, env=env, cwd=self.dir)
        if self.stdout_path:
            stdout.close()
        # The log is read all the time, by a thread of its own: a server whose stderr pipe
        # filled up would block in its next write, and a test would see a hang it caused.
        self._reader = threading.Thread(target=self._read_log, args=(self.process.stderr,), daemon=True)
        self._reader.start()
        self.port = int(self.wait_for_log(r"listening on 127\.0\.0\.\d+:(\d+)", START_TIMEOUT).group(1))
        return self

    def _read_log(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.rstrip(b"\n").decode("utf-8", "replace")
            with self._log_changed:
                if line:
                    self.log.append(line)
                self._log_changed.notify_all()
        with self._log_changed:
            self._stderr_closed = True
            self._log_changed.notify_all()

    def mark(self):
        """A position in the log: wait_for_log(since=mark) looks only at later lines. What the
        server wrote before this call is taken in first (the pipe read empty)."""
        deadline = time.monotonic() + 2.0
        with self._log_changed:
            while not self._stderr_closed and time.monotonic() < deadline:
                pending = array.array("i", [0])
                fcntl.ioctl(self.process.stderr.fileno(), termios.FIONREAD, pending)
                if pending[0] == 0:
                    break
                self._log_changed.wait(0.01)
            return len(self.log)

    def wait_for_log(self, pattern, timeout=10.0, since=0):
        """Waits until a line of the server's log (from `since` on) matches `pattern`; fails
        after `timeout`."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        searched = since
        with self._log_changed:
            while True:
                for line in self.log[searched:]:
                    m = regex.search(line)
                    if m:
                        return m
                searched = len(self.log)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stderr_closed:
                    break
                self._log_changed.wait(remaining)
            tail = "\n".join(self.log[-40:])
        raise AssertionError("no log line matching %r within %.0f s; log so far:\n%s" % (pattern, timeout, tail))

    def lines_since(self, since):
        with self._log_changed:
            return list(self.log[since:])

    def run(self, command, *args, timeout=60):
        """Runs `kapsel COMMAND -c CONFIG ARGS` to its end: check, feed, or a serve that
        must refuse to start. Returns the CompletedProcess (stdout, stderr as bytes)."""
        env = dict(os.environ, OPENSSL_CONF=self.openssl_conf)
        return subprocess.run([BINARY, command, "-c", self.config, *args], capture_output=True,
                              timeout=timeout, env=env, cwd=self.dir)

    def discard(self):
        """Removes the directory of a server that was never started (stop() does it otherwise)."""
        shutil.rmtree(self.dir, ignore_errors=True)

    def signal(self, signo):
        self.process.send_signal(signo)

    def stop(self):
        """Stops the server with SIGTERM and checks that it exited cleanly (status 0, so
        also no sanitizer report at exit)."""
        problem = None
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                problem = "did not stop within 15 s of SIGTERM"
        if self.process:
            if problem is None and self.process.returncode != 0:
                problem = "exited with status %d" % self.process.returncode
            self._reader.join(5)  # the whole log, to its end
            self.process.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        if problem:
            raise AssertionError("kapsel %s; log:\n%s" % (problem, "\n".join(self.log[-60:])))

    def url(self, path="/"):
        return "gemini://localhost:%d%s" % (self.port, path)


class Response:
    def __init__(self, raw, close_notify):
        self.raw = raw
        self.close_notify = close_notify
        head, sep, self.body = raw.partition(b"\r\n")
        self.complete_header = bool(sep)
        self.header = head.decode("utf-8", "replace")
        self.status = int(self.header[:2]) if re.match(r"^\d\d ", self.header) else None
        self.meta = self.header[3:]


def client_context(min_version=None, max_version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    # OpenSSL 3 contexts made by Python ignore a missing close_notify by default; a Gemini
    # client must not, or it cannot tell a cut response from a whole one.
    ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    if min_version or max_version:
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    if min_version:
        ctx.minimum_version = min_version
    if max_version:
        ctx.maximum_version = max_version
    return ctx


def tls_connect(port, sni="localhost", context=None, timeout=10.0, host="127.0.0.1"):
    raw = socket.create_connection((host, port), timeout=timeout)
    ctx = context or client_context()
    return ctx.wrap_socket(raw, server_hostname=sni, suppress_ragged_eofs=False)


def read_all(sock):
    """Reads to the end; returns (bytes, whether the server sent close_notify)."""
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except (ssl.SSLEOFError, ConnectionResetError):
            return b"".join(chunks), False
        except ssl.SSLError as e:
            if "UNEXPECTED_EOF" not in str(e):
                raise
            return b"".join(chunks), False
        if not data:
            return b"".join(chunks), True
        chunks.append(data)


def request(port, line, sni="localhost", raw_line=False, context=None, timeout=10.0):
    """Sends one request (CRLF added unless raw_line) and reads the whole response."""
    payload = line if isinstance(line, bytes) else line.encode("utf-8")
    if not raw_line:
        payload += b"\r\n"
    with tls_connect(port, sni=sni, context=context, timeout=timeout) as s:
        s.sendall(payload)
        raw, close_notify = read_all(s)
    return Response(raw, close_notify)


def request_until_closed(server, path):
    """One request, read to the server's TCP close: kapsel writes (and flushes) the access-log
    line before it closes, so the line is in the log when this returns. Returns the status."""
    s = tls_connect(server.port)
    s.sendall(server.url(path).encode() + b"\r\n")
    data, close_notify = read_all(s)
    raw = s.unwrap() if close_notify else s  # after the close_notify: back to plain TCP
    raw.settimeout(10)
    try:
        while raw.recv(4096):
            pass
    except (ConnectionResetError, ssl.SSLError):  # closed with our close_notify unread: closed all the same
        pass
    raw.close()
    return data[:2]
