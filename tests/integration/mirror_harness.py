"""The web mirror's side of the tests: the real nginx with contrib/nginx.conf in front of an
export directory, a plain HTTP client, and snapshots of a mirror's files."""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import SLOW, SOURCE_DIR, write

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NEWSBOAT = shutil.which("newsboat") or "/usr/bin/newsboat"
MIME_TYPES = "/etc/nginx/mime.types"  # Debian's, which its nginx.conf includes in http { }
SHIPPED_CONF = os.path.join(SOURCE_DIR, "contrib", "nginx.conf")
MANIFEST = ".kapsel-mirror"


def has_nginx():
    return os.path.exists(NGINX) and os.path.exists(MIME_TYPES)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def web_directory():
    """A directory for a mirror and its nginx, readable by nginx's workers: as root they run as
    nobody (as www-data does on Debian), so only what any account may read is served."""
    d = tempfile.mkdtemp(prefix="kapsel-web-")
    os.chmod(d, 0o755)
    return d


def replace_once(text, old, new):
    """`old` replaced by `new`, which must be there exactly once: contrib/nginx.conf and the
    test changing it stay in step."""
    assert text.count(old) == 1, "contrib/nginx.conf no longer has exactly one %r" % old
    return text.replace(old, new)


class Nginx:
    """The real nginx on 127.0.0.1:port, in the foreground, serving `root` with the server block
    of contrib/nginx.conf; only its listen lines and root are changed, and it is included in an
    http { } block like Debian's (mime.types, default_type, gzip on). Pid, logs and temporary
    files stay in `workdir`."""

    def __init__(self, root, workdir, port=None):
        self.root, self.dir = root, workdir
        self.port = port or free_port()
        self.process = None
        self.error_log = os.path.join(workdir, "error.log")
        self.access_log = os.path.join(workdir, "access.log")

    def start(self):
        with open(SHIPPED_CONF) as f:
            block = f.read()
        block = replace_once(block, "    listen 80;\n", "    listen 127.0.0.1:%d;\n" % self.port)
        block = replace_once(block, "    listen [::]:80;\n", "")
        block = replace_once(block, "    root /var/lib/kapsel/web;\n", "    root %s;\n" % self.root)
        write(os.path.join(self.dir, "kapsel-site.conf"), block)
        temp = os.path.join(self.dir, "nginx-temp")
        os.makedirs(temp, exist_ok=True)
        # As root the master drops its workers to `user`, as Debian's does (www-data there;
        # nobody here, which exists everywhere); as anyone else the directive is ignored, so
        # it is only written for root.
        user = "user nobody %s;\n" % ("nogroup" if _group_exists("nogroup") else "nobody") if os.geteuid() == 0 else ""
        conf = user + (
            "daemon off;\n"
            "worker_processes 1;\n"
            "pid {d}/nginx.pid;\n"
            "error_log {d}/error.log info;\n"
            "events {{ worker_connections 64; }}\n"
            "http {{\n"
            "    include {mime};\n"
            "    default_type application/octet-stream;\n"
            "    sendfile on;\n"
            "    gzip on;\n"
            "    access_log {d}/access.log;\n"
            "    client_body_temp_path {t}/body;\n"
            "    proxy_temp_path {t}/proxy;\n"
            "    fastcgi_temp_path {t}/fastcgi;\n"
            "    uwsgi_temp_path {t}/uwsgi;\n"
            "    scgi_temp_path {t}/scgi;\n"
            "    include {d}/kapsel-site.conf;\n"
            "}}\n").format(d=self.dir, t=temp, mime=MIME_TYPES)
        self.conf = os.path.join(self.dir, "nginx.conf")
        write(self.conf, conf)
        # -e: the error log before the configuration is read, which is otherwise /var/log/nginx.
        # Its own output goes to a file (a pipe nobody reads could fill and block it).
        self.stderr_path = os.path.join(self.dir, "nginx.stderr")
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen([NGINX, "-p", self.dir, "-c", self.conf, "-e", self.error_log],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 20 * SLOW
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    with open(self.stderr_path, errors="replace") as f:
                        raise AssertionError("nginx did not start: %s\n%s" % (f.read(), self.errors()))
                time.sleep(0.05)

    def errors(self):
        try:
            with open(self.error_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def get(self, path, headers=None, method="GET"):
        """One HTTP/1.1 request; returns (status, headers as a dict with lower-case names, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10 * SLOW)
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)


def _group_exists(name):
    import grp
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def mirror_files(root):
    """Every file of a mirror as {relative path: bytes}, the manifest included."""
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, root)] = f.read()
    return files


def snapshot(root):
    """{relative path: (bytes, mtime_ns, inode)} of every file below `root`, and every directory:
    what "left exactly as it was" compares."""
    state = {}
    for dirpath, dirs, names in os.walk(root):
        for name in dirs + names:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            data = None
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    data = f.read()
            state[os.path.relpath(path, root)] = (data, st.st_mtime_ns, st.st_ino)
    return state


def content_type_for(path):
    """What contrib/nginx.conf must answer for a mirror file."""
    if path.endswith(".html"):
        return "text/html; charset=utf-8"
    if path.endswith(".txt"):
        return "text/plain; charset=utf-8"
    if path == "atom.xml" or (path.startswith("atom/") and path.endswith(".xml")):
        return "application/atom+xml"
    if path.endswith(".png"):
        return "image/png"
    return None
