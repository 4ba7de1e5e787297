"""Shared pieces of the Waygate benchmarks: processes, pinning, configs, wrk, CPU accounting.

Everything a run creates lives in one private mktemp directory, and every process it starts is
a session leader whose whole process group is killed on exit, Ctrl-C included.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(BENCH_DIR)
CONF_DIR = os.path.join(BENCH_DIR, "conf")
LIB_DIR = os.path.join(BENCH_DIR, "lib")
WRK_LUA = os.path.join(LIB_DIR, "wrk-report.lua")

PROXY_CORE = "0"
LOAD_CORE = "1"  # wrk and the backend share the other core
BACKEND_BODY = b"hello from backend!\n"
BACKEND_MARK = "backend-1"  # X-Bench-Backend header value: proves the backend answered
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """Something failed to run (as opposed to a goal being missed)."""


def log(msg):
    print(msg, flush=True)


def env_int(name, default):
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BenchError(f"{name}={raw!r} is not an integer")


def env_float(name, default):
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise BenchError(f"{name}={raw!r} is not a number")


def require_tools(names):
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        raise BenchError("missing tools: " + ", ".join(missing) +
                         " (scripts/setup installs them)")
    if (os.cpu_count() or 1) < 2:
        raise BenchError("needs at least 2 cores (proxy on core 0, load on core 1)")


def resolve_waygate(hint="build it first (make build) or point WAYGATE_BIN at it"):
    path = os.environ.get("WAYGATE_BIN", "build/waygate")
    if not os.path.isabs(path):
        path = os.path.join(REPO_DIR, path)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise BenchError(f"Waygate binary not found or not executable: {path}\n  {hint}")
    return path


def free_ports(count):
    socks, ports = [], []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def fill(text, values):
    """Replaces ${name} only, so nginx's own $variables pass through untouched."""
    def sub(m):
        if m.group(1) not in values:
            raise BenchError(f"template placeholder ${{{m.group(1)}}} has no value")
        return str(values[m.group(1)])
    return re.sub(r"\$\{(\w+)\}", sub, text)


def render(template_name, out_path, **values):
    with open(os.path.join(CONF_DIR, template_name)) as f:
        text = fill(f.read(), values)
    with open(out_path, "w") as f:
        f.write(text)
    return out_path


def cpu_ticks(pid):
    """utime+stime of a whole process (all its threads, live and exited), in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return int(fields[11]) + int(fields[12])


def cpu_seconds(pids):
    return sum(cpu_ticks(p) for p in pids) / CLK_TCK


def core_busy_ticks(core):
    """(busy, total) jiffies of one core from /proc/stat."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{core} "):
                v = [int(x) for x in line.split()[1:]]
                idle = v[3] + v[4]  # idle + iowait
                return sum(v) - idle, sum(v)
    return 0, 0


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def child_pids(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            kids.append(int(entry))
    return sorted(kids)


def http_get(port, path="/", host="bench.local", timeout=2.0):
    """One GET; returns (status, headers dict lower-cased, body) or raises OSError."""
    return _get(http.client.HTTPConnection("127.0.0.1", port, timeout=timeout), path, host)


def _get(conn, path, host):
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def curl_check(name, port, host="bench.local"):
    """Proves with curl that the proxy answers 200 with the backend's own body and header."""
    _curl_backend_check(name, ["curl", "-sS", "--max-time", "5", "-D", "-", "-H", f"Host: {host}",
                               f"http://127.0.0.1:{port}/"], r"HTTP/1\.[01] 200",
                        "curl through the proxy")


def _curl_backend_check(name, cmd, status_re, what):
    res = subprocess.run(cmd, capture_output=True)
    out = res.stdout.decode("latin-1")
    head, _, body = out.partition("\r\n\r\n")
    status_line = head.split("\r\n", 1)[0]
    ok = (res.returncode == 0 and re.match(status_re, status_line) and
          f"x-bench-backend: {BACKEND_MARK}" in head.lower() and
          body.encode("latin-1") == BACKEND_BODY)
    if not ok:
        raise BenchError(f"{name}: {what} did not get the backend's 200\n"
                         f"  command: {' '.join(cmd)}\n  exit={res.returncode} "
                         f"stderr={res.stderr.decode(errors='replace').strip()!r}\n"
                         f"  response:\n{out[:600]}")


class Run:
    """Owns the temp directory and every process started; cleans both up on exit."""

    def __init__(self, prefix):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.dir, 0o755)  # nginx workers may run as another user when started by root
        self.procs = []
        self.keep = os.environ.get("BENCH_KEEP", "") not in ("", "0")
        self.failed = False
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def spawn(self, name, argv, core, stdout=None):
        """Starts argv pinned to `core`, in its own session so its group can be killed whole."""
        logf = open(self.path(f"{name}.log"), "wb")
        proc = subprocess.Popen(["taskset", "-c", core] + argv, stdin=subprocess.DEVNULL,
                                stdout=stdout or logf, stderr=logf, start_new_session=True)
        proc.bench_name = name
        proc.bench_log = self.path(f"{name}.log")
        self.procs.append(proc)
        return proc

    def stop(self, proc):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # stragglers: nginx workers, waygate threads
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if proc in self.procs:
            self.procs.remove(proc)

    def log_tail(self, proc, lines=15):
        try:
            with open(proc.bench_log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def close(self):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip cleanup
        for proc in list(reversed(self.procs)):
            self.stop(proc)
        if self.keep or self.failed:
            log(f"(kept the run directory with configs and logs: {self.dir})")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_until(what, proc, run, check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"{what} exited with status {proc.returncode} while starting; "
                             f"its log:\n{run.log_tail(proc)}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.01)
    raise BenchError(f"{what} not ready after {timeout:.0f}s; its log:\n"
                     f"{run.log_tail(proc) if proc else ''}")


def user_line():
    # Started by root, nginx would switch workers to "nobody"; keep them as the caller.
    return "user root;" if os.geteuid() == 0 else ""


def start_backend(run):
    port, status_port = free_ports(2)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(run.path("backend-tmp", sub), exist_ok=True)
    conf = render("backend-nginx.conf", run.path("backend.conf"), dir=run.dir,
                  backend_port=port, backend_status_port=status_port, user_line=user_line())
    proc = run.spawn("backend", ["nginx", "-e", run.path("backend-error.log"), "-p", run.dir,
                                 "-c", conf], LOAD_CORE)
    wait_until("backend nginx", proc, run,
               lambda: http_get(port, host="backend")[0] == 200)
    return {"port": port, "status_port": status_port, "proc": proc}


def backend_accepts(backend):
    """Connections the backend has accepted so far (one of them is this very query)."""
    _, _, body = http_get(backend["status_port"], host="status")
    m = re.search(rb"\n\s*(\d+)\s+(\d+)\s+(\d+)", body)
    if not m:
        raise BenchError(f"cannot parse backend stub_status: {body[:200]!r}")
    return int(m.group(1))


def parse_prometheus(text):
    """Sums every series of each metric name (labels ignored)."""
    totals = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)", line)
        if not m:
            continue
        try:
            value = float(m.group(3))
        except ValueError:
            continue
        totals[m.group(1)] = totals.get(m.group(1), 0.0) + value
    return totals


def scrape_metrics(admin_port):
    try:
        status, _, body = http_get(admin_port, "/metrics", host="127.0.0.1")
    except OSError:
        return {}
    return parse_prometheus(body.decode(errors="replace")) if status == 200 else {}


def write_waygate_base(run, manifests_dir, backend_port):
    os.makedirs(manifests_dir, exist_ok=True)
    render("waygate-base.yaml", os.path.join(manifests_dir, "00-base.yaml"),
           backend_port=backend_port)


def ingress_yaml(name, host):
    with open(os.path.join(CONF_DIR, "waygate-ingress.yaml")) as f:
        return fill(f.read(), {"name": name, "host": host})


def start_waygate(run, name, binary, manifests_dir, timeout=60.0):
    """Starts Waygate with one worker on the proxy core; returns once /readyz says 200."""
    http_port, admin_port = free_ports(2)
    argv = [binary, "gateway", "--manifests", manifests_dir,
            "--http-listen", f"127.0.0.1:{http_port}",
            "--admin-listen", f"127.0.0.1:{admin_port}", "--workers", "1"]
    started = time.monotonic()
    proc = run.spawn(name, argv, PROXY_CORE)

    def ready():
        # Trust the addresses Waygate reports it listens on, should they differ.
        nonlocal http_port, admin_port
        with open(proc.bench_log, errors="replace") as f:
            for m in re.finditer(r"waygate: listening name=(\w+) address=\S+:(\d+)", f.read()):
                if m.group(1) == "http":
                    http_port = int(m.group(2))
                elif m.group(1) == "admin":
                    admin_port = int(m.group(2))
        return http_get(admin_port, "/readyz", host="127.0.0.1")[0] == 200

    wait_until(f"{name} (waygate /readyz)", proc, run, ready, timeout)
    ready_s = time.monotonic() - started
    return {"name": name, "port": http_port, "admin_port": admin_port, "proc": proc,
            "cpu_pids": [proc.pid], "ready_s": ready_s}


def start_nginx(run, backend_port):
    port = free_ports(1)[0]
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(run.path("nginx-tmp", sub), exist_ok=True)
    conf = render("proxy-nginx.conf", run.path("nginx.conf"), dir=run.dir, port=port,
                  backend_port=backend_port, user_line=user_line())
    proc = run.spawn("nginx", ["nginx", "-e", run.path("nginx-error.log"), "-p", run.dir,
                               "-c", conf], PROXY_CORE)
    wait_until("nginx", proc, run, lambda: http_get(port)[0] == 200)
    workers = child_pids(proc.pid)
    if len(workers) != 1:
        raise BenchError(f"nginx: expected one worker process, found {workers}")
    return {"name": "nginx", "port": port, "proc": proc, "cpu_pids": workers}


def start_haproxy(run, backend_port):
    port = free_ports(1)[0]
    cfg = render("proxy-haproxy.cfg", run.path("haproxy.cfg"), dir=run.dir, port=port,
                 backend_port=backend_port)
    proc = run.spawn("haproxy", ["haproxy", "-db", "-f", cfg], PROXY_CORE)
    wait_until("haproxy", proc, run, lambda: http_get(port)[0] == 200)
    return {"name": "haproxy", "port": port, "proc": proc, "cpu_pids": [proc.pid]}


def run_wrk(run, target, duration, connections, host="bench.local"):
    """One wrk run on the load core, with the proxy's CPU time sampled around it."""
    duration = max(1, int(round(duration)))  # wrk takes whole seconds
    argv = ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
            "--timeout", "5s", "--latency", "-s", WRK_LUA, "-H", f"Host: {host}",
            f"http://127.0.0.1:{target['port']}/"]
    cpu_before = cpu_seconds(target["cpu_pids"])
    load_before = core_busy_ticks(LOAD_CORE)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    run.procs.append(proc)
    proc.bench_name, proc.bench_log = "wrk", None
    try:
        out, _ = proc.communicate(timeout=duration + 60)
    except subprocess.TimeoutExpired:
        run.stop(proc)
        raise BenchError(f"wrk against {target['name']} did not finish")
    run.procs.remove(proc)
    cpu_after = cpu_seconds(target["cpu_pids"])
    load_after = core_busy_ticks(LOAD_CORE)
    load_total = load_after[1] - load_before[1]
    text = out.decode(errors="replace")
    with open(run.path("wrk.log"), "a") as f:
        f.write(f"==== {target['name']} {' '.join(argv)}\n{text}\n")
    m = re.search(r"^WRK_JSON (\{.*\})$", text, re.M)
    if proc.returncode != 0 or not m:
        raise BenchError(f"wrk against {target['name']} failed (exit {proc.returncode}):\n"
                         f"{text[-1500:]}")
    w = json.loads(m.group(1))
    if target["proc"].poll() is not None:
        raise BenchError(f"{target['name']} died during the run; its log:\n"
                         f"{run.log_tail(target['proc'])}")
    if w["status_errors"]:
        raise BenchError(f"{target['name']}: wrk saw {w['status_errors']} non-2xx/3xx "
                         f"responses out of {w['requests']}")
    if w["requests"] == 0:
        raise BenchError(f"{target['name']}: wrk completed no request")
    secs = w["duration_us"] / 1e6
    cpu = cpu_after - cpu_before
    return {
        "requests": w["requests"],
        "seconds": secs,
        "rps": w["requests"] / secs,
        "p50_ms": w["p50_us"] / 1000,
        "p90_ms": w["p90_us"] / 1000,
        "p99_ms": w["p99_us"] / 1000,
        "p999_ms": w["p999_us"] / 1000,
        "max_ms": w["max_us"] / 1000,
        "socket_errors": (w["connect_errors"] + w["read_errors"] + w["write_errors"] +
                          w["timeouts"]),
        "proxy_cpu_s": cpu,
        "proxy_cpu_util": cpu / secs,
        # Near 100% means wrk + backend, not the proxy, set the pace (req/s is then capped).
        "load_core_busy": (load_after[0] - load_before[0]) / load_total if load_total else None,
        "cpu_s_per_100k": cpu / w["requests"] * 1e5 if cpu > 0 else None,
        "req_per_cpu_s": w["requests"] / cpu if cpu > 0 else None,
    }


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, spec, missing="n/a"):
    return missing if value is None else format(value, spec)


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def warn_if_busy():
    load1 = os.getloadavg()[0]
    if load1 > 0.7:
        log(f"WARNING: load average {load1:.2f} before starting: other work is running on "
            "this box, so these figures are noisier than the usual ±15%.")
    return load1


def main_wrapper(body):
    """Runs body(); exit 0 unless something failed to run (a missed goal is not a failure)."""
    try:
        body()
    except BenchError as e:
        print(f"\nBENCH FAILED: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\ninterrupted; stopped everything this run started", file=sys.stderr)
        sys.exit(130)


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


class Api:
    """A keep-alive HTTPS connection to the API with the admin token."""

    def __init__(self, host, port, ca_file, token):
        self.ctx = ssl.create_default_context(cafile=ca_file)
        self.host, self.port, self.token = host, port, token
        self.conn = None

    def request(self, method, path, body=None, content_type="application/json", accept=None):
        headers = {"Authorization": "Bearer " + self.token}
        if body is not None:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                                        timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
# TLS (run-tls-bench): one ECDSA P-256 certificate, nginx and Waygate terminating TLS with it,
# and the clients that drive them (wrk over https, openssl s_time, h2load).
# ---------------------------------------------------------------------------------------------

TLS_HOST = "bench.local"


def make_ecdsa_cert(run, host=TLS_HOST):
    """A self-signed ECDSA P-256 certificate for `host` (openssl CLI); returns (crt, key)."""
    crt, key = run.path("bench-tls.crt"), run.path("bench-tls.key")
    res = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                          "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt,
                          "-days", "7", "-subj", f"/CN={host}", "-addext",
                          f"subjectAltName=DNS:{host}"], capture_output=True)
    if res.returncode != 0:
        raise BenchError(f"openssl could not make the bench certificate: "
                         f"{res.stderr.decode(errors='replace')}")
    return crt, key


def https_get(port, path="/", host=TLS_HOST, timeout=2.0):
    """One GET over TLS (no verification: the certificate is self-signed); returns (status,
    headers dict lower-cased, body) or raises OSError."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return _get(http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx),
                path, host)


def tls_probe(port, sni=None, alpn=("h2", "http/1.1")):
    """(version, cipher, ALPN selected, served certificate DER) of one handshake."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=sni) as s:
            return (s.version(), s.cipher()[0], s.selected_alpn_protocol(),
                    s.getpeercert(binary_form=True))


def curl_check_https(name, port, cert_der, host=TLS_HOST):
    """Proves the proxy answers 200 over TLS with the backend's body and header, and serves
    the bench certificate with and without SNI (the load tools send none or an IP)."""
    _curl_backend_check(name, ["curl", "-sS", "-k", "--max-time", "5", "-D", "-", "--resolve",
                               f"{host}:{port}:127.0.0.1", f"https://{host}:{port}/"],
                        r"HTTP/(1\.[01]|2) 200", "curl over https")
    for sni in (host, None):
        version, _, _, der = tls_probe(port, sni)
        if der != cert_der:
            raise BenchError(f"{name}: SNI {sni!r} was not served the bench certificate")
        if version not in ("TLSv1.3", "TLSv1.2"):
            raise BenchError(f"{name}: negotiated {version}")


def start_nginx_tls(run, backend_port, crt, key):
    port = free_ports(1)[0]
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(run.path("nginx-tmp", sub), exist_ok=True)
    conf = render("proxy-nginx-tls.conf", run.path("nginx-tls.conf"), dir=run.dir, port=port,
                  backend_port=backend_port, user_line=user_line(), cert=crt, key=key)
    proc = run.spawn("nginx", ["nginx", "-e", run.path("nginx-tls-error.log"), "-p", run.dir,
                               "-c", conf], PROXY_CORE)
    wait_until("nginx (TLS)", proc, run, lambda: https_get(port)[0] == 200)
    workers = child_pids(proc.pid)
    if len(workers) != 1:
        raise BenchError(f"nginx: expected one worker process, found {workers}")
    return {"name": "nginx", "port": port, "proc": proc, "cpu_pids": workers}


def write_waygate_tls(run, manifests_dir, backend_port, crt, key):
    import base64
    write_waygate_base(run, manifests_dir, backend_port)
    with open(crt, "rb") as f:
        crt_b64 = base64.b64encode(f.read()).decode()
    with open(key, "rb") as f:
        key_b64 = base64.b64encode(f.read()).decode()
    render("waygate-tls.yaml", os.path.join(manifests_dir, "10-ingress.yaml"),
           crt_b64=crt_b64, key_b64=key_b64)


def start_waygate_tls(run, name, binary, manifests_dir, default_cert="bench/bench-tls",
                      timeout=60.0):
    """Waygate with an https listener, one worker on the proxy core; returns once /readyz is
    200 and the https port answers 200."""
    http_port, https_port, admin_port = free_ports(3)
    argv = [binary, "gateway", "--manifests", manifests_dir,
            "--http-listen", f"127.0.0.1:{http_port}",
            "--https-listen", f"127.0.0.1:{https_port}",
            "--admin-listen", f"127.0.0.1:{admin_port}", "--workers", "1",
            "--default-ssl-certificate", default_cert]
    started = time.monotonic()
    proc = run.spawn(name, argv, PROXY_CORE)

    def ready():
        nonlocal http_port, https_port, admin_port
        with open(proc.bench_log, errors="replace") as f:
            for m in re.finditer(r"waygate: listening name=(\w+) address=\S+:(\d+)", f.read()):
                if m.group(1) == "http":
                    http_port = int(m.group(2))
                elif m.group(1) == "https":
                    https_port = int(m.group(2))
                elif m.group(1) == "admin":
                    admin_port = int(m.group(2))
        return (http_get(admin_port, "/readyz", host="127.0.0.1")[0] == 200 and
                https_get(https_port)[0] == 200)

    wait_until(f"{name} (waygate /readyz and https 200)", proc, run, ready, timeout)
    return {"name": name, "port": https_port, "http_port": http_port, "admin_port": admin_port,
            "proc": proc, "cpu_pids": [proc.pid], "ready_s": time.monotonic() - started}


def run_wrk_https(run, target, duration, connections, host=TLS_HOST):
    """run_wrk over https (keep-alive: each wrk connection does one handshake, then requests)."""
    duration = max(1, int(round(duration)))
    argv = ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
            "--timeout", "5s", "--latency", "-s", WRK_LUA, "-H", f"Host: {host}",
            f"https://127.0.0.1:{target['port']}/"]
    cpu_before = cpu_seconds(target["cpu_pids"])
    load_before = core_busy_ticks(LOAD_CORE)
    out = _run_tool(run, target, "wrk", argv, duration + 60)
    cpu = cpu_seconds(target["cpu_pids"]) - cpu_before
    load_after = core_busy_ticks(LOAD_CORE)
    load_total = load_after[1] - load_before[1]
    m = re.search(r"^WRK_JSON (\{.*\})$", out, re.M)
    if not m:
        raise BenchError(f"wrk against {target['name']} printed no summary:\n{out[-1500:]}")
    w = json.loads(m.group(1))
    if w["status_errors"]:
        raise BenchError(f"{target['name']}: wrk saw {w['status_errors']} non-2xx/3xx "
                         f"responses out of {w['requests']}")
    if w["requests"] == 0:
        raise BenchError(f"{target['name']}: wrk completed no request")
    secs = w["duration_us"] / 1e6
    return {
        "requests": w["requests"], "seconds": secs, "rps": w["requests"] / secs,
        "p50_ms": w["p50_us"] / 1000, "p99_ms": w["p99_us"] / 1000,
        "socket_errors": (w["connect_errors"] + w["read_errors"] + w["write_errors"] +
                          w["timeouts"]),
        "proxy_cpu_s": cpu, "proxy_cpu_util": cpu / secs,
        "load_core_busy": (load_after[0] - load_before[0]) / load_total if load_total else None,
        "cpu_s_per_100k": cpu / w["requests"] * 1e5 if cpu > 0 else None,
        "req_per_cpu_s": w["requests"] / cpu if cpu > 0 else None,
    }


def _run_tool(run, target, tool, argv, timeout):
    """Runs a load tool in its own session (killed with the run); returns its output text and
    fails when it exits non-zero or the target died meanwhile."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    run.procs.append(proc)
    proc.bench_name, proc.bench_log = tool, None
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        run.stop(proc)
        raise BenchError(f"{tool} against {target['name']} did not finish")
    run.procs.remove(proc)
    text = out.decode(errors="replace")
    with open(run.path(f"{tool}.log"), "a") as f:
        f.write(f"==== {target['name']} {' '.join(argv)}\n{text}\n")
    if target["proc"].poll() is not None:
        raise BenchError(f"{target['name']} died during the run; its log:\n"
                         f"{run.log_tail(target['proc'])}")
    if proc.returncode != 0:
        raise BenchError(f"{tool} against {target['name']} failed (exit {proc.returncode}):\n"
                         f"{text[-1500:]}")
    return text


def run_s_time(run, target, mode, seconds, clients, version="-tls1_3"):
    """`clients` parallel `openssl s_time -new|-reuse` loops (`version`, TLS 1.3 by default) on
    the load core for `seconds`; returns handshakes done, the share that resumed a session
    (s_time prints `*` per new and `r` per resumed connection) and the proxy's CPU per
    handshake. Each connection asks
    `GET /` (HTTP/1.0, no Host): the proxy answers it itself (404 or 400), so no upstream work is
    mixed in, and the client reads the TLS 1.3 session ticket needed by -reuse."""
    if mode not in ("new", "reuse"):
        raise ValueError(mode)
    seconds = max(1, int(round(seconds)))
    argv = ["taskset", "-c", LOAD_CORE, "openssl", "s_time", "-connect",
            f"127.0.0.1:{target['port']}", f"-{mode}", version, "-time", str(seconds),
            "-www", "/"]
    cpu_before = cpu_seconds(target["cpu_pids"])
    started = time.monotonic()
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, start_new_session=True)
             for _ in range(clients)]
    for p in procs:
        p.bench_name, p.bench_log = "s_time", None
        run.procs.append(p)
    outs = []
    try:
        for p in procs:
            out, _ = p.communicate(timeout=seconds * 3 + 60)
            outs.append((p.returncode, out.decode(errors="replace")))
    except subprocess.TimeoutExpired:
        raise BenchError(f"s_time against {target['name']} did not finish")
    finally:
        for p in procs:
            run.stop(p)
    wall = time.monotonic() - started
    cpu = cpu_seconds(target["cpu_pids"]) - cpu_before
    with open(run.path("s_time.log"), "a") as f:
        for rc, out in outs:
            f.write(f"==== {target['name']} {' '.join(argv)} (exit {rc})\n{out}\n")
    if target["proc"].poll() is not None:
        raise BenchError(f"{target['name']} died during s_time; its log:\n"
                         f"{run.log_tail(target['proc'])}")
    handshakes = new_marks = reused_marks = 0
    for rc, out in outs:
        for line in out.splitlines():
            if line and set(line) <= {"*", "r"}:
                new_marks += line.count("*")
                reused_marks += line.count("r")
        # "12345 connections in 10.01s; 1233.33 connections/user sec, bytes read 0"
        counts = re.findall(r"(\d+) connections in [\d.]+s", out)
        if rc != 0 or not counts:
            raise BenchError(f"s_time -{mode} against {target['name']} failed (exit {rc}):\n"
                             f"{out[-1500:]}")
        handshakes += int(counts[-1])
        if mode == "reuse" and "ERROR" in out:
            raise BenchError(f"s_time -reuse against {target['name']}: {out[-800:]}")
    if handshakes == 0:
        raise BenchError(f"s_time -{mode} against {target['name']}: no handshake completed")
    marks = new_marks + reused_marks
    reused = reused_marks / marks if marks else 0.0
    if mode == "reuse" and reused < 0.99:
        raise BenchError(f"s_time -reuse against {target['name']}: only {reused * 100:.1f}% of "
                         "the connections resumed a session")
    return {"handshakes": handshakes, "seconds": wall, "hs_per_s": handshakes / wall,
            "reused_share": reused,
            "proxy_cpu_s": cpu, "proxy_cpu_util": cpu / wall,
            "cpu_us_per_hs": cpu / handshakes * 1e6 if cpu > 0 else None}


def run_h2load(run, target, requests, connections, streams, host=TLS_HOST):
    """h2load over TLS with ALPN h2, pinned to the load core; req/s and proxy CPU/request."""
    argv = ["taskset", "-c", LOAD_CORE, "h2load", "-t1", "-n", str(requests), "-c",
            str(connections), "-m", str(streams), "-H", f":authority: {host}",
            f"https://127.0.0.1:{target['port']}/"]
    cpu_before = cpu_seconds(target["cpu_pids"])
    out = _run_tool(run, target, "h2load", argv, 600)
    cpu = cpu_seconds(target["cpu_pids"]) - cpu_before
    m = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", out)
    r = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    s = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    proto = re.search(r"Application protocol: (\S+)", out)
    if not (m and r and s):
        raise BenchError(f"h2load against {target['name']}: cannot parse its output:\n"
                         f"{out[-1500:]}")
    if not proto or proto.group(1) != "h2":
        raise BenchError(f"h2load against {target['name']} did not negotiate h2:\n{out[-800:]}")
    done, ok2xx = int(r.group(3)), int(s.group(1))
    failed = int(r.group(5)) + int(r.group(6)) + int(r.group(7))
    if failed or ok2xx != requests:
        raise BenchError(f"{target['name']}: h2load {ok2xx} 2xx of {requests}, {failed} failed "
                         f"or errored:\n{out[-1200:]}")
    secs = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    return {"requests": done, "seconds": secs, "rps": done / secs, "proxy_cpu_s": cpu,
            "proxy_cpu_util": cpu / secs,
            "cpu_s_per_100k": cpu / done * 1e5 if cpu > 0 else None,
            "req_per_cpu_s": done / cpu if cpu > 0 else None}
