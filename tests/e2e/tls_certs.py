"""Certificates for the TLS end-to-end tests, made per run with the `openssl` CLI, and the TLS
probes the tests use (standard library `ssl` plus `openssl s_client`).

Why the CLI and not a Python library: the tests must run on /usr/bin/python3 with the standard
library only, and the CLI is the same OpenSSL the gateway links, so what it produces is what a
user would feed the gateway from `kubectl create secret tls`.

Layout of one `Pki`: a root CA (ECDSA P-256), an intermediate CA signed by it, and leaves signed
by the root (or by the intermediate, with the chain appended to tls.crt, as users do). Serials are
explicit and unique per Pki, so a test can tell two certificates for the same host apart.
"""

import base64
import os
import re
import socket
import ssl
import subprocess
import threading
import warnings

OPENSSL = "openssl"


def run_openssl(args, input=None, timeout=30):
    """Runs `openssl ARGS`; raises with its stderr when it fails."""
    result = subprocess.run([OPENSSL] + [str(a) for a in args], input=input,
                            capture_output=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"openssl {' '.join(map(str, args))} failed "
                             f"({result.returncode}): {result.stderr.decode(errors='replace')}")
    return result.stdout


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def pem_to_der(pem_text):
    """DER of the first certificate in `pem_text`."""
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", pem_text, re.S)
    if not m:
        raise AssertionError("no certificate in PEM text")
    return ssl.PEM_cert_to_DER_cert(m.group(0))


class Leaf:
    """One certificate with its key. `chain_pem` is what goes into tls.crt (leaf first)."""

    def __init__(self, name, cn, hosts, cert_path, key_path, serial, chain_pem, key_pem):
        self.name, self.cn, self.hosts = name, cn, list(hosts)
        self.cert_path, self.key_path = cert_path, key_path
        self.serial = serial
        self.chain_pem = chain_pem
        self.key_pem = key_pem
        self.der = pem_to_der(chain_pem)

    def secret(self, name, namespace="default", crt=None, key=None):
        """A kubernetes.io/tls Secret; `crt`/`key` override the PEM text (bad-Secret tests)."""
        return tls_secret(name, namespace, self.chain_pem if crt is None else crt,
                          self.key_pem if key is None else key)

    def __repr__(self):
        return f"Leaf({self.name}, CN={self.cn}, serial={self.serial})"


def tls_secret(name, namespace, crt_pem, key_pem):
    data = {}
    if crt_pem is not None:
        data["tls.crt"] = b64(crt_pem)
    if key_pem is not None:
        data["tls.key"] = b64(key_pem)
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": name, "namespace": namespace}, "data": data}


_CA_CNF = """\
[ca]
default_ca = ca_default
[ca_default]
database = {dir}/index.txt
new_certs_dir = {dir}/newcerts
serial = {dir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
"""


class Pki:
    """A root CA, an intermediate CA and the leaves a test run asks for, all under `directory`."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self._serial = 0x1000
        self._lock = threading.Lock()
        self.ca_key = self._key("root-ca", "ec")
        self.ca_cert = os.path.join(directory, "root-ca.crt")
        run_openssl(["req", "-x509", "-new", "-key", self.ca_key, "-subj",
                     "/O=waygate e2e/CN=waygate e2e root CA", "-days", "30", "-sha256",
                     "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", self.ca_cert])
        with open(self.ca_cert) as f:
            self.ca_pem = f.read()
        self.int_key = self._key("intermediate-ca", "ec")
        csr = self._csr("intermediate-ca", self.int_key, "waygate e2e intermediate CA")
        self.int_cert = os.path.join(directory, "intermediate-ca.crt")
        ext = self._ext("intermediate-ca", "basicConstraints=critical,CA:TRUE,pathlen:0\n"
                        "keyUsage=critical,keyCertSign,cRLSign\n")
        run_openssl(["x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
                     "-set_serial", self._next_serial(), "-days", "30", "-sha256", "-extfile",
                     ext, "-out", self.int_cert])
        with open(self.int_cert) as f:
            self.int_pem = f.read()

    # --- building blocks ---
    def _next_serial(self):
        with self._lock:
            self._serial += 1
            return self._serial

    def _path(self, name, suffix):
        return os.path.join(self.dir, f"{name}.{suffix}")

    def _key(self, name, kind):
        path = self._path(name, "key")
        if kind == "ec":
            run_openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                         "-out", path])
        elif kind == "rsa":
            run_openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                         "-out", path])
        else:
            raise ValueError(kind)
        return path

    def _csr(self, name, key, cn):
        path = self._path(name, "csr")
        run_openssl(["req", "-new", "-key", key, "-subj", f"/O=waygate e2e/CN={cn}", "-out",
                     path])
        return path

    def _ext(self, name, text):
        path = self._path(name, "ext")
        with open(path, "w") as f:
            f.write(text)
        return path

    def _leaf_ext(self, name, hosts):
        san = ",".join(f"DNS:{h}" for h in hosts)
        return self._ext(name, f"basicConstraints=critical,CA:FALSE\nsubjectAltName={san}\n"
                               "keyUsage=critical,digitalSignature,keyEncipherment\n"
                               "extendedKeyUsage=serverAuth\n")

    # --- leaves ---
    def leaf(self, name, hosts, kind="ec", cn=None, via_intermediate=False, expired=False):
        """A server certificate for `hosts` (SANs; CN defaults to the first host, or `cn`).
        `expired`: valid from 2020-01-01 to 2020-02-01, signed with `openssl ca` because
        OpenSSL 3.0's `x509` cannot set a start date in the past."""
        cn = cn or hosts[0]
        key = self._key(name, kind)
        csr = self._csr(name, key, cn)
        ext = self._leaf_ext(name, hosts)
        cert = self._path(name, "crt")
        issuer_cert, issuer_key = ((self.int_cert, self.int_key) if via_intermediate
                                   else (self.ca_cert, self.ca_key))
        serial = self._next_serial()
        if expired:
            ca_dir = os.path.join(self.dir, f"ca-{name}")
            os.makedirs(os.path.join(ca_dir, "newcerts"), exist_ok=True)
            open(os.path.join(ca_dir, "index.txt"), "w").close()
            with open(os.path.join(ca_dir, "serial"), "w") as f:
                f.write(f"{serial:X}\n")
            cnf = os.path.join(ca_dir, "ca.cnf")
            with open(cnf, "w") as f:
                f.write(_CA_CNF.format(dir=ca_dir))
            run_openssl(["ca", "-batch", "-config", cnf, "-cert", issuer_cert, "-keyfile",
                         issuer_key, "-in", csr, "-out", cert, "-notext", "-startdate",
                         "20200101000000Z", "-enddate", "20200201000000Z", "-extfile", ext])
        else:
            run_openssl(["x509", "-req", "-in", csr, "-CA", issuer_cert, "-CAkey", issuer_key,
                         "-set_serial", serial, "-days", "30", "-sha256", "-extfile", ext,
                         "-out", cert])
        with open(cert) as f:
            chain = f.read()
        if via_intermediate:
            chain += self.int_pem
        with open(key) as f:
            key_pem = f.read()
        return Leaf(name, cn, hosts, cert, key, serial, chain, key_pem)


# ---------------------------------------------------------------------------------------------
# Looking at what a server presents
# ---------------------------------------------------------------------------------------------

_info_cache = {}


def cert_info(der):
    """{'subject': 'CN=...,O=...', 'cn': ..., 'serial': int, 'issuer': ...} of a DER
    certificate, read by the openssl CLI (cached: the same certificates come back often)."""
    if der in _info_cache:
        return _info_cache[der]
    out = run_openssl(["x509", "-inform", "DER", "-noout", "-subject", "-issuer", "-serial",
                       "-nameopt", "RFC2253"], input=der).decode()
    fields = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    subject = fields.get("subject", "")
    m = re.search(r"(?:^|,)CN=((?:[^,\\]|\\.)*)", subject)
    info = {"subject": subject, "issuer": fields.get("issuer", ""),
            "cn": m.group(1) if m else None, "serial": int(fields.get("serial", "0"), 16)}
    _info_cache[der] = info
    return info


class Handshake:
    def __init__(self, der, version, cipher, alpn):
        self.der, self.version, self.cipher, self.alpn = der, version, cipher, alpn

    @property
    def info(self):
        return cert_info(self.der)


def client_context(alpn=None, min_version=None, max_version=None, ciphers=None, cafile=None):
    """A client context that accepts any certificate (the tests compare certificates byte for
    byte instead), unless `cafile` is given."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile:
        ctx.load_verify_locations(cafile)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if min_version:
        ctx.minimum_version = min_version
    if max_version:
        ctx.maximum_version = max_version
    if ciphers:
        ctx.set_ciphers(ciphers)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def handshake(address, sni=None, timeout=5.0, **ctx_args):
    """One full handshake (no session reuse); returns what the server presented. `sni=None`
    sends no server_name extension at all."""
    ctx = client_context(**ctx_args)
    with socket.create_connection(address, timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname=sni) as s:
            return Handshake(s.getpeercert(binary_form=True), s.version(), s.cipher()[0],
                             s.selected_alpn_protocol())


def s_client(address, *args, sni=None, input=b"", timeout=15):
    """`openssl s_client` against `address`; returns (exit status, stdout+stderr text).
    `-no_ign_eof` closes after `input` so the command never waits for the server."""
    argv = [OPENSSL, "s_client", "-connect", f"{address[0]}:{address[1]}", "-no_ign_eof"]
    argv += ["-servername", sni] if sni else ["-noservername"]
    argv += list(args)
    r = subprocess.run(argv, input=input, capture_output=True, timeout=timeout)
    return r.returncode, (r.stdout + r.stderr).decode(errors="replace")


def s_client_ok(output):
    """True when s_client's output shows a completed handshake with a negotiated cipher."""
    m = re.search(r"^\s*(?:New|Reused), (TLSv[\d.]+|SSLv3), Cipher is (\S+)", output, re.M)
    return bool(m) and m.group(2) != "(NONE)"


class TestServer:
    """A TLS server on 127.0.0.1:0 in a thread, answering one line per connection: the control
    side of the policy tests (it proves the client *can* speak TLS 1.0/1.1 or a weak cipher on
    this machine, so a refusal by the gateway is the gateway's doing)."""

    def __init__(self, cleanup, cert, key, min_version=ssl.TLSVersion.TLSv1,
                 ciphers="DEFAULT:@SECLEVEL=0"):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with warnings.catch_warnings():
            # Deliberately old: this server must accept what the gateway has to refuse.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.ctx.minimum_version = min_version
        self.ctx.set_ciphers(ciphers)
        self.ctx.load_cert_chain(cert, key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.address = self.sock.getsockname()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        cleanup(self.stop)

    def _serve(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(5)
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as s:
                    s.sendall(b"control-ok\n")
            except (ssl.SSLError, OSError):
                pass
            finally:
                conn.close()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=2)
        self.sock.close()
