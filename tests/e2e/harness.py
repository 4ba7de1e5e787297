"""End-to-end harness: real `waygate` processes, real sockets, manifests on disk.

Everything here is standard library only. Every process, thread and socket a helper starts is
handed to a `cleanup` callable (a test's `addCleanup` or a class's `addClassCleanup`), so it is
stopped even when a test fails; an atexit hook is the last safety net.

Why raw sockets: the tests assert exact bytes (status lines, framing, `Connection: close`,
whether the peer closed), which http.client would normalise or hide.
"""

import atexit
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WAYGATE_BIN = os.environ.get("WAYGATE_BIN", str(REPO / "build" / "waygate"))

LISTENING_RE = re.compile(rb"waygate: listening name=(\S+) address=(\S+)")
DEFAULT_TIMEOUT = 5.0

# ---------------------------------------------------------------------------------------------
# Polling (never sleep longer than needed: wait for a condition with a bounded deadline)
# ---------------------------------------------------------------------------------------------


def wait_until(predicate, timeout=DEFAULT_TIMEOUT, interval=0.02, what="condition"):
    """Polls `predicate` until it returns a truthy value, which is returned. Exceptions raised
    by the predicate count as "not yet"; the last one is reported on timeout."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - polled conditions may fail until ready
            last_error = e
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{detail}")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------

_live_processes = []
_temp_dirs = []


def _kill_leftovers():
    """Last resort (Ctrl-C, a runner that skipped cleanups): kill children, remove temp dirs."""
    for proc in list(_live_processes):
        proc.crash_reported = True
        proc.stop()
    for d in _temp_dirs:
        shutil.rmtree(d, True)


def make_temp_dir(cleanup, prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    _temp_dirs.append(d)
    cleanup(shutil.rmtree, d, True)
    return d


atexit.register(_kill_leftovers)


def parse_address(text):
    """'127.0.0.1:8080' or '[::1]:8080' -> (host, port)."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


class Process:
    """A child process whose stdout/stderr go to files, with its `listening` lines parsed."""

    def __init__(self, args, name, cleanup, expect_listeners=(), timeout=10.0, env=None):
        self.args = [str(a) for a in args]
        self.name = name
        # Cleanups run last-in first-out: the dir goes after stop() has reported a crash.
        self.dir = make_temp_dir(cleanup, f"waygate-e2e-{name}-")
        self.stdout_path = os.path.join(self.dir, "stdout")
        self.stderr_path = os.path.join(self.dir, "stderr")
        self.listeners = {}
        self.crash_reported = False  # set once a test has reported this process's death
        argv = self.args
        # The child dies with us even if the test runner is killed (ctest timeout, Ctrl-C).
        if shutil.which("setpriv"):
            argv = ["setpriv", "--pdeathsig", "KILL", "--"] + argv
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                          env=env)
        _live_processes.append(self)
        cleanup(self.stop)
        if expect_listeners:
            self.wait_listeners(expect_listeners, timeout)

    @property
    def pid(self):
        return self.popen.pid

    def stderr_text(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stdout_text(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def _scan_listeners(self):
        with open(self.stderr_path, "rb") as f:
            for m in LISTENING_RE.finditer(f.read()):
                self.listeners[m.group(1).decode()] = parse_address(m.group(2).decode())

    def wait_listeners(self, names, timeout):
        deadline = time.monotonic() + timeout
        while True:
            self._scan_listeners()
            if all(n in self.listeners for n in names):
                return
            if self.popen.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited with {self.popen.returncode} before listening on "
                    f"{list(names)}; command: {' '.join(self.args)}\nstderr:\n"
                    f"{self.stderr_text()[-4000:]}")
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"{self.name} did not report listeners {list(names)} within {timeout}s "
                    f"(got {self.listeners}); stderr:\n{self.stderr_text()[-4000:]}")
            time.sleep(0.01)

    def address(self, name):
        return self.listeners[name]

    def alive(self):
        return self.popen.poll() is None

    def assert_alive(self):
        code = self.popen.poll()
        if code is not None:
            raise AssertionError(
                f"{self.name} (pid {self.pid}) died with exit status {code}"
                f"{' (signal ' + str(-code) + ')' if code < 0 else ''}; stderr tail:\n"
                f"{self.stderr_text()[-4000:]}")

    def stop(self):
        """Stops the process; reports (raises) if it had died on its own, e.g. crashed."""
        if self in _live_processes:
            _live_processes.remove(self)
        died = self.popen.poll()
        if died is not None and died != 0 and not self.crash_reported:
            self.crash_reported = True
            self.assert_alive()
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)

    def peak_rss_kib(self):
        """VmHWM of the process (peak resident set), in KiB."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        raise AssertionError("VmHWM not found")


def require_binary():
    if not os.access(WAYGATE_BIN, os.X_OK):
        raise AssertionError(
            f"waygate binary not found at {WAYGATE_BIN}: build it (make build) or set WAYGATE_BIN")


# ---------------------------------------------------------------------------------------------
# Raw HTTP client
# ---------------------------------------------------------------------------------------------


class Response:
    def __init__(self, version, status, reason, headers, body, raw_head, chunked=False,
                 trailers=None):
        self.version = version      # "HTTP/1.1"
        self.status = status        # int
        self.reason = reason
        self.headers = headers      # [(name, value)] as received, order kept
        self.body = body            # bytes, de-chunked
        self.raw_head = raw_head    # bytes of the status line + fields + CRLF CRLF
        self.chunked = chunked
        self.trailers = trailers or []

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def connection_tokens(self):
        tokens = []
        for v in self.header_all("connection"):
            tokens += [t.strip().lower() for t in v.split(",") if t.strip()]
        return tokens

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return (f"Response({self.status} {self.reason!r}, headers={self.headers!r}, "
                f"body={self.body[:200]!r})")


class ConnectionClosed(Exception):
    pass


class Client:
    """One downstream TCP connection speaking raw bytes."""

    def __init__(self, address, timeout=DEFAULT_TIMEOUT, source=None):
        self.sock = socket.create_connection(address, timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False
        self.reset = False
        self.send_error = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        """Sends everything; a peer that closed early (it may reject before reading all) is
        recorded, not raised, so the response it sent can still be read."""
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            self.send_error = e

    def _fill(self, timeout=None):
        if self.eof:
            return False
        if timeout is not None:
            self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(262144)
        except ConnectionResetError:
            self.reset = True
            data = b""
        except socket.timeout:
            raise AssertionError(f"timed out reading from the gateway; have {self.buf[:300]!r}")
        finally:
            if timeout is not None:
                self.sock.settimeout(DEFAULT_TIMEOUT)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _read_line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            if not self._fill():
                raise ConnectionClosed(f"connection closed mid-line; have {self.buf!r}")

    def read_exact(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionClosed(f"connection closed after {len(self.buf)} of {n} bytes")
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_some(self, timeout=DEFAULT_TIMEOUT):
        """Returns whatever is buffered or arrives next (b"" at EOF)."""
        if not self.buf:
            self._fill(timeout)
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                if not self.buf:
                    raise ConnectionClosed("connection closed before any response byte"
                                           + (" (reset)" if self.reset else ""))
                raise ConnectionClosed(f"connection closed mid-head: {bytes(self.buf)!r}")
        i = self.buf.index(b"\r\n\r\n")
        raw = bytes(self.buf[:i + 4])
        del self.buf[:i + 4]
        lines = raw[:-4].split(b"\r\n")
        m = re.fullmatch(rb"(HTTP/\d\.\d) (\d{3}) ?(.*)", lines[0])
        if not m:
            raise AssertionError(f"bad status line {lines[0]!r}")
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                raise AssertionError(f"bad response header line {line!r}")
            headers.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
        return m.group(1).decode(), int(m.group(2)), m.group(3).decode("latin-1"), headers, raw

    def read_response(self, method="GET", allow_interim=False):
        """Reads one response with RFC 9112 section 6.3 framing. 1xx responses are returned as
        they come only when `allow_interim`; otherwise they are skipped (101 always returns)."""
        while True:
            version, status, reason, headers, raw = self.read_head()
            resp = Response(version, status, reason, headers, b"", raw)
            if 100 <= status < 200:
                if allow_interim or status == 101:
                    return resp
                continue
            break
        if method == "HEAD" or status in (204, 304):
            return resp
        te = ",".join(resp.header_all("transfer-encoding")).lower()
        if te:
            if te.replace(" ", "").split(",")[-1] != "chunked":
                raise AssertionError(f"response with transfer-encoding {te!r}")
            resp.chunked = True
            resp.body, resp.trailers = self._read_chunked()
        elif resp.header("content-length") is not None:
            lengths = set(v.strip() for v in resp.header_all("content-length"))
            if len(lengths) != 1 or not next(iter(lengths)).isdigit():
                raise AssertionError(f"bad response content-length {lengths}")
            resp.body = self.read_exact(int(next(iter(lengths))))
        else:
            while self._fill():
                pass
            resp.body = bytes(self.buf)
            self.buf.clear()
        return resp

    def _read_chunked(self):
        body = []
        while True:
            line = self._read_line()
            size_text = line.split(b";")[0].strip()
            if not re.fullmatch(rb"[0-9a-fA-F]+", size_text):
                raise AssertionError(f"bad chunk size line from gateway {line!r}")
            size = int(size_text, 16)
            if size == 0:
                break
            body.append(self.read_exact(size))
            if self.read_exact(2) != b"\r\n":
                raise AssertionError("chunk data not followed by CRLF")
        trailers = []
        while True:
            line = self._read_line()
            if not line:
                break
            name, _, value = line.partition(b":")
            trailers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
        return b"".join(body), trailers

    def is_closed(self, timeout=2.0):
        """True if the peer closes (FIN or RST) within `timeout` and sent nothing more.
        Raises if unexpected bytes arrive; False if the connection stays open."""
        if self.buf:
            raise AssertionError(f"unexpected extra bytes after response: "
                                 f"{bytes(self.buf[:300])!r}")
        if self.eof:
            return True
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], remaining)
            if not r:
                return False
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                self.reset = True
                self.eof = True
                return True
            if not data:
                self.eof = True
                return True
            raise AssertionError(f"unexpected extra bytes after response: {data[:300]!r}")


def build_request(method="GET", target="/", host="example.com", headers=(), body=None,
                  version="HTTP/1.1", chunked=False):
    """Bytes of a well-formed request. `headers` is a list of (name, value); a Content-Length
    is added for a bytes body unless `chunked` (then the body is sent as one chunk)."""
    lines = [f"{method} {target} {version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    for name, value in headers:
        lines.append(f"{name}: {value}")
    payload = b""
    if body is not None:
        if chunked:
            lines.append("Transfer-Encoding: chunked")
            payload = (f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b"") + \
                b"0\r\n\r\n"
        else:
            lines.append(f"Content-Length: {len(body)}")
            payload = body
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def request(address, method="GET", target="/", host="example.com", headers=(), body=None,
            timeout=DEFAULT_TIMEOUT, source=None, chunked=False):
    """One request on a fresh connection; returns the Response."""
    with Client(address, timeout=timeout, source=source) as c:
        c.send(build_request(method, target, host, list(headers) + [("Connection", "close")],
                             body, chunked=chunked))
        return c.read_response(method)


def dead_port():
    """A loopback port nobody listens on (connect gets ECONNREFUSED)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------------------------------------
# Raw backend: records every byte, answers as scripted
# ---------------------------------------------------------------------------------------------


class BackendRequest:
    def __init__(self, method, target, version, headers, body, raw):
        self.method, self.target, self.version = method, target, version
        self.headers = headers  # [(name, value)]
        self.body = body        # de-chunked
        self.raw = raw          # exact bytes of this request as received

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def __repr__(self):
        return f"BackendRequest({self.method} {self.target} {self.headers!r} body={len(self.body)})"


def _parse_one_request(data):
    """Parses one complete request from the front of `data`. Returns (BackendRequest, consumed)
    or (None, 0) while incomplete. Malformed framing also returns (None, 0): a backend never
    counts garbage as a request."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None, 0
    lines = data[:end].split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3:
        return None, 0
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            return None, 0
        headers.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
    pos = end + 4
    te = ",".join(v for n, v in headers if n.lower() == "transfer-encoding").lower()
    cls = [v for n, v in headers if n.lower() == "content-length"]
    body = b""
    if te:
        if te.replace(" ", "").split(",")[-1] != "chunked":
            return None, 0
        chunks = []
        while True:
            eol = data.find(b"\r\n", pos)
            if eol < 0:
                return None, 0
            size_text = data[pos:eol].split(b";")[0]
            if not re.fullmatch(rb"[0-9a-fA-F]{1,16}", size_text):
                return None, 0
            size = int(size_text, 16)
            pos = eol + 2
            if size == 0:
                break
            if len(data) < pos + size + 2:
                return None, 0
            chunks.append(data[pos:pos + size])
            if data[pos + size:pos + size + 2] != b"\r\n":
                return None, 0
            pos += size + 2
        while True:  # trailer section up to an empty line
            eol = data.find(b"\r\n", pos)
            if eol < 0:
                return None, 0
            line = data[pos:eol]
            pos = eol + 2
            if not line:
                break
        body = b"".join(chunks)
    elif cls:
        if len(set(cls)) != 1 or not cls[0].isdigit():
            return None, 0
        n = int(cls[0])
        if len(data) < pos + n:
            return None, 0
        body = data[pos:pos + n]
        pos += n
    req = BackendRequest(parts[0].decode("latin-1"), parts[1].decode("latin-1"),
                         parts[2].decode("latin-1"), headers, bytes(body), bytes(data[:pos]))
    return req, pos


class RawConnection:
    """The backend's side of one upstream connection, handed to a handler thread."""

    def __init__(self, backend, sock, index):
        self.backend = backend
        self.sock = sock
        self.index = index
        self.data = bytearray()  # every byte received on this connection
        self.consumed = 0      # bytes belonging to complete requests parsed so far
        self.requests = []
        self.closed_by_peer = False
        self.closed = False

    def _record(self, chunk):
        with self.backend.lock:
            self.data += chunk
            self.backend.bytes_received += len(chunk)
            self.backend.cond.notify_all()

    def recv_some(self, timeout=None):
        """Returns the next bytes received: b"" at EOF, when closed, or when the backend stops.
        Raises socket.timeout after `timeout` seconds without data."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.backend.stopping.is_set() and not self.closed:
            try:
                r, _, _ = select.select([self.sock], [], [], 0.05)
            except (OSError, ValueError):
                return b""
            if not r:
                if deadline is not None and time.monotonic() >= deadline:
                    raise socket.timeout()
                continue
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self.closed_by_peer = True
                return b""
            self._record(chunk)
            return chunk
        return b""

    def recv_request(self):
        """Reads until one complete request is parsed; None at EOF."""
        while True:
            req, n = _parse_one_request(self.data[self.consumed:])
            if req:
                self.consumed += n
                with self.backend.lock:
                    self.requests.append(req)
                    self.backend.requests.append(req)
                    self.backend.cond.notify_all()
                return req
            if not self.recv_some():
                return None

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def close(self):
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


def simple_response(status=200, body=b"raw-ok", headers=(), reason=None):
    reason = reason or {200: "OK", 404: "Not Found", 500: "Internal Server Error"}.get(status,
                                                                                      "Status")
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    lines += [f"{n}: {v}" for n, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def handler_ok(conn):
    """Default: answer every request 200 with a small body, keep the connection."""
    while True:
        req = conn.recv_request()
        if req is None:
            return
        if not conn.send(simple_response(200, b"raw-ok", [("X-Raw-Index", str(conn.index))])):
            return


def handler_respond(response_bytes):
    """Answers every request with exactly `response_bytes` (or response_bytes(req))."""
    def handler(conn):
        while True:
            req = conn.recv_request()
            if req is None:
                return
            data = response_bytes(req) if callable(response_bytes) else response_bytes
            if not conn.send(data):
                return
    return handler


def handler_close_after_request(conn):
    """Reads a whole request, then closes without answering (gateway must send 502)."""
    conn.recv_request()
    conn.close()


def handler_delay(seconds, response=None):
    """Reads a request, waits (cut short when the backend stops), then answers."""
    def handler(conn):
        while True:
            req = conn.recv_request()
            if req is None:
                return
            if conn.backend.stopping.wait(seconds):
                return
            if not conn.send(response or simple_response(200, b"late")):
                return
    return handler


class RawBackend:
    """A threaded TCP server on 127.0.0.1:0 that records every byte it receives and runs
    `handler(RawConnection)` per connection."""

    def __init__(self, cleanup, handler=handler_ok, port=0):
        self.handler = handler
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.stopping = threading.Event()
        self.bytes_received = 0
        self.connections = []
        self.requests = []
        self.threads = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.address = ("127.0.0.1", self.port)
        self.accept_thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.accept_thread.start()
        cleanup(self.stop)

    def _accept_loop(self):
        while not self.stopping.is_set():
            r, _, _ = select.select([self.listener], [], [], 0.05)
            if not r:
                continue
            try:
                sock, _ = self.listener.accept()
            except OSError:
                continue
            with self.lock:
                conn = RawConnection(self, sock, len(self.connections) + 1)
                self.connections.append(conn)
                self.cond.notify_all()
            t = threading.Thread(target=self._run, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _run(self, conn):
        try:
            self.handler(conn)
        except Exception:  # noqa: BLE001 - a broken handler must not kill the test process
            pass
        finally:
            if not self.stopping.is_set():
                # Keep draining so late bytes are still counted, until the peer closes.
                while conn.recv_some():
                    pass
            conn.close()

    def stop(self):
        self.stopping.set()
        try:
            self.listener.close()
        except OSError:
            pass
        self.accept_thread.join(timeout=2)
        for conn in list(self.connections):
            conn.close()
        for t in self.threads:
            t.join(timeout=2)

    # --- observations ---
    def snapshot(self):
        with self.lock:
            return self.bytes_received, len(self.requests), len(self.connections)

    def all_bytes(self):
        with self.lock:
            return b"".join(bytes(c.data) for c in self.connections)

    def leftover_bytes(self):
        """Bytes received that are not part of any complete request (partial or garbage)."""
        with self.lock:
            return sum(len(c.data) - c.consumed for c in self.connections)

    def wait_requests(self, n, timeout=DEFAULT_TIMEOUT):
        with self.lock:
            if not self.cond.wait_for(lambda: len(self.requests) >= n, timeout):
                raise AssertionError(f"backend saw {len(self.requests)} requests, wanted {n}")
            return list(self.requests)

    def wait_bytes(self, n, timeout=DEFAULT_TIMEOUT):
        with self.lock:
            if not self.cond.wait_for(lambda: self.bytes_received >= n, timeout):
                raise AssertionError(f"backend received {self.bytes_received} bytes, wanted {n}")


# ---------------------------------------------------------------------------------------------
# waygate echo
# ---------------------------------------------------------------------------------------------


class EchoBackend:
    """`waygate echo --listen 127.0.0.1:0 --name NAME` (or a fixed port, e.g. to revive one)."""

    def __init__(self, cleanup, name, port=0):
        require_binary()
        self.name = name
        self.proc = Process([WAYGATE_BIN, "echo", "--listen", f"127.0.0.1:{port}", "--name", name],
                            f"echo-{name}", cleanup, expect_listeners=["echo"])
        self.address = self.proc.address("echo")
        self.port = self.address[1]

    def stop(self):
        self.proc.stop()


# ---------------------------------------------------------------------------------------------
# Prometheus text
# ---------------------------------------------------------------------------------------------

_SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+'
                        r'([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+|NaN|Inf))(\s+-?\d+)?$')
_LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')


def parse_metrics(text):
    """Prometheus text exposition -> [(name, {label: value}, float)]. Raises on a bad line."""
    samples = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = _SAMPLE_RE.match(line)
        if not m:
            raise AssertionError(f"bad metrics line {line!r}")
        labels = {}
        body = m.group(3) or ""
        pos = 0
        while pos < len(body):
            lm = _LABEL_RE.match(body, pos)
            if not lm:
                raise AssertionError(f"bad labels in metrics line {line!r}")
            labels[lm.group(1)] = re.sub(r'\\(.)', lambda x: {"n": "\n"}.get(x.group(1),
                                                                               x.group(1)),
                                         lm.group(2))
            pos = lm.end()
        samples.append((m.group(1), labels, float(m.group(4))))
    return samples


def metric_sum(samples, name, **labels):
    return sum(v for n, l, v in samples
               if n == name and all(l.get(k) == val for k, val in labels.items()))


# ---------------------------------------------------------------------------------------------
# Gateway fixture
# ---------------------------------------------------------------------------------------------


class Gateway:
    """A `waygate gateway` over a temporary manifest directory."""

    def __init__(self, cleanup, manifests=None, args=(), workers=1, ready=True, listeners=None):
        require_binary()
        self.dir = make_temp_dir(cleanup, "waygate-e2e-manifests-")
        for name, text in (manifests or {}).items():
            self.write_manifest(name, text)
        argv = [WAYGATE_BIN, "gateway", "--manifests", self.dir,
                "--http-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"]
        if workers is not None:
            argv += ["--workers", str(workers)]
        argv += list(args)
        self.proc = Process(argv, "gateway", cleanup,
                            expect_listeners=listeners or ["http", "admin"])
        self.http = self.proc.address("http")
        self.admin = self.proc.address("admin")
        if ready:
            self.wait_ready()

    # --- manifests ---
    def write_manifest(self, name, text):
        """Atomic: write a hidden temp file in the same directory, then rename over `name`."""
        if isinstance(text, str):
            text = text.encode()
        tmp = os.path.join(self.dir, f".{name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            f.write(text)
        os.rename(tmp, os.path.join(self.dir, name))

    def write_manifest_in_place(self, name, text):
        """Like an editor without rename: truncate and write the same inode."""
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def remove_manifest(self, name):
        os.unlink(os.path.join(self.dir, name))

    # --- admin ---
    def admin_get(self, path):
        return request(self.admin, "GET", path, host="admin")

    def wait_ready(self, timeout=10.0):
        wait_until(lambda: self.admin_get("/readyz").status == 200, timeout,
                   what="gateway /readyz 200")

    def metrics(self):
        r = self.admin_get("/metrics")
        if r.status != 200:
            raise AssertionError(f"/metrics answered {r.status}")
        return parse_metrics(r.body.decode())

    def wait_metrics(self, predicate, timeout=DEFAULT_TIMEOUT, what="metrics condition"):
        """Per-worker counters may be published with a delay: polls /metrics until
        predicate(samples) holds and returns those samples."""
        def probe():
            samples = self.metrics()
            return samples if predicate(samples) else None
        return wait_until(probe, timeout, interval=0.05, what=what)

    # --- traffic ---
    def request(self, method="GET", target="/", host="example.com", headers=(), body=None,
                **kw):
        return request(self.http, method, target, host, headers, body, **kw)

    def get(self, target="/", host="example.com", headers=()):
        return self.request("GET", target, host, headers)

    def wait_route(self, host, target, check, timeout=DEFAULT_TIMEOUT, what=None):
        """Polls GET host+target until check(response) holds; returns that response."""
        def probe():
            r = self.get(target, host)
            return r if check(r) else None
        return wait_until(probe, timeout, what=what or f"route {host}{target}")

    def wait_backend(self, host, target, name, timeout=DEFAULT_TIMEOUT):
        """Waits until host+target is answered by the echo backend `name`."""
        return self.wait_route(host, target, lambda r: r.status == 200 and
                               r.header("x-echo-name") == name, timeout,
                               what=f"{host}{target} served by {name}")

    def wait_status(self, host, target, status, timeout=DEFAULT_TIMEOUT):
        return self.wait_route(host, target, lambda r: r.status == status, timeout,
                               what=f"{host}{target} answering {status}")

    def stderr(self):
        return self.proc.stderr_text()

    def assert_alive(self):
        self.proc.assert_alive()


def echo_name(resp):
    """The echo backend that answered (None for the gateway's own responses)."""
    return resp.header("x-echo-name")


# ---------------------------------------------------------------------------------------------
# Manifest builders (YAML text). Strings are always double-quoted (JSON escapes are valid YAML),
# so no value is ever reinterpreted ("true", "1", "*.foo.com").
# ---------------------------------------------------------------------------------------------


def to_yaml(obj, indent=0):
    pad = " " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        out = []
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{json.dumps(str(k))}:\n{to_yaml(v, indent + 2)}")
            else:
                out.append(f"{pad}{json.dumps(str(k))}: {_scalar(v)}")
        return "\n".join(out)
    if isinstance(obj, list):
        if not obj:
            return "[]"
        out = []
        for item in obj:
            if isinstance(item, (dict, list)) and item:
                inner = to_yaml(item, indent + 2)
                out.append(f"{pad}- {inner.lstrip()}")
            else:
                out.append(f"{pad}- {_scalar(item)}")
        return "\n".join(out)
    return pad + _scalar(obj)


def _scalar(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, dict) or isinstance(v, list):
        return "{}" if isinstance(v, dict) else "[]"
    return json.dumps(str(v))


def yaml_docs(*objs):
    """Multi-document YAML text."""
    return "".join("---\n" + to_yaml(o) + "\n" for o in objs)


def meta(name, namespace=None, annotations=None, labels=None):
    m = {"name": name}
    if namespace is not None:
        m["namespace"] = namespace
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    return m


def service(name, namespace="default", ports=(("http", 80),)):
    """A Service without selector (its backends are its Endpoints). ports: (name|None, port)."""
    spec_ports = []
    for pname, port in ports:
        p = {"port": port, "protocol": "TCP", "targetPort": port}
        if pname:
            p["name"] = pname
        spec_ports.append(p)
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, namespace),
            "spec": {"type": "ClusterIP", "ports": spec_ports}}


def endpoints(name, namespace="default", subsets=()):
    """subsets: list of (addresses, ports) where ports = [(name|None, port)] and addresses a
    list of IPs; add not_ready=True via a third element to list them as notReadyAddresses."""
    out = []
    for subset in subsets:
        addrs, ports = subset[0], subset[1]
        not_ready = len(subset) > 2 and subset[2]
        s = {("notReadyAddresses" if not_ready else "addresses"): [{"ip": a} for a in addrs],
             "ports": []}
        for pname, port in ports:
            p = {"port": port, "protocol": "TCP"}
            if pname:
                p["name"] = pname
            s["ports"].append(p)
        out.append(s)
    obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta(name, namespace)}
    if out:
        obj["subsets"] = out
    return obj


def endpoint_slice(name, service_name, namespace="default", addresses=("127.0.0.1",),
                   ports=(("http", 0),), ready=True):
    ep = {"addresses": list(addresses)}
    if ready is not None:
        ep["conditions"] = {"ready": ready}
    slice_ports = []
    for pname, port in ports:
        p = {"port": port, "protocol": "TCP"}
        if pname is not None:
            p["name"] = pname
        slice_ports.append(p)
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": meta(name, namespace, labels={"kubernetes.io/service-name": service_name}),
            "addressType": "IPv4", "endpoints": [ep], "ports": slice_ports}


def backend_objects(name, ports, namespace="default", port_name="http", service_port=80):
    """Service `name` (one port `port_name`/`service_port`) + Endpoints with one subset per
    backend port, all on 127.0.0.1 (several subsets = several endpoints for one port name)."""
    if isinstance(ports, int):
        ports = [ports]
    return [service(name, namespace, [(port_name, service_port)]),
            endpoints(name, namespace, [(["127.0.0.1"], [(port_name, p)]) for p in ports])]


def path_entry(path, service_name, port=80, path_type="Prefix"):
    entry = {"pathType": path_type,
             "backend": {"service": {"name": service_name,
                                     "port": ({"name": port} if isinstance(port, str)
                                              else {"number": port})}}}
    if path is not None:
        entry = {"path": path, **entry}
    return entry


def ingress(name, namespace="default", rules=(), default_backend=None, class_name=None,
            annotations=None):
    """rules: list of (host|None, [path_entry(...)])."""
    spec = {}
    if class_name is not None:
        spec["ingressClassName"] = class_name
    if default_backend is not None:
        svc, port = default_backend
        spec["defaultBackend"] = {"service": {"name": svc, "port": (
            {"name": port} if isinstance(port, str) else {"number": port})}}
    if rules:
        spec["rules"] = []
        for host, paths in rules:
            rule = {}
            if host:
                rule["host"] = host
            rule["http"] = {"paths": list(paths)}
            spec["rules"].append(rule)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": meta(name, namespace, annotations), "spec": spec}


def simple_ingress(name, host, service_name, path="/", path_type="Prefix", namespace="default",
                   annotations=None, port=80):
    return ingress(name, namespace, [(host, [path_entry(path, service_name, port, path_type)])],
                   annotations=annotations)


def ingress_class(name, controller="waygate.io/ingress-controller", default=False):
    annotations = {"ingressclass.kubernetes.io/is-default-class": "true"} if default else None
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": meta(name, annotations=annotations), "spec": {"controller": controller}}


def gateway_object(config=None, name="kubesphere-router-kubesphere-system",
                   namespace="kubesphere-controls-system"):
    return {"apiVersion": "gateway.kubesphere.io/v1alpha1", "kind": "Gateway",
            "metadata": meta(name, namespace),
            "spec": {"controller": {"replicas": 1, "config": dict(config or {})},
                     "service": {"type": "NodePort"}}}
