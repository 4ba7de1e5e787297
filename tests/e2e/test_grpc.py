"""gRPC through the gateway (issue 5 item 5): `backend-protocol: GRPC` routes speak cleartext
HTTP/2 to the backend, clients reach them over TLS with ALPN h2, and grpc-status travels back
as trailers (or a trailers-only answer). Real grpcio client and server (Debian python3-grpcio).
"""

import os
import subprocess
import sys
import unittest

import grpc  # Debian python3-grpcio

from harness import (Gateway, backend_objects, ingress, make_temp_dir, metric_sum,
                     path_entry, wait_until, yaml_docs)
from tls_certs import Pki, handshake

HOST = "grpc.example.com"
PKI = LEAF = GW = BACKEND = None
BACKEND_PORT = None


def start_backend(cleanup):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grpc_backend.py")
    proc = subprocess.Popen(["/usr/bin/python3", script], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)

    def stop():
        proc.kill()
        proc.wait(timeout=5)
        proc.stdout.close()
    cleanup(stop)
    line = proc.stdout.readline()
    if not line.strip():
        raise AssertionError("the gRPC test server did not report its port")
    return proc, int(line)


def manifests():
    objs = backend_objects("greeter", BACKEND_PORT)
    objs.append(LEAF.secret("grpc-tls"))
    route = ingress("greeter", rules=[(HOST, [path_entry("/test.Echo", "greeter")])],
                    annotations={"nginx.ingress.kubernetes.io/backend-protocol": "GRPC"})
    route["spec"]["tls"] = [{"hosts": [HOST], "secretName": "grpc-tls"}]
    return yaml_docs(*objs, route)


def setUpModule():
    global PKI, LEAF, GW, BACKEND, BACKEND_PORT
    cleanup = unittest.addModuleCleanup
    PKI = Pki(make_temp_dir(cleanup, "waygate-e2e-grpc-pki-"))
    LEAF = PKI.leaf("grpc", [HOST])
    BACKEND, BACKEND_PORT = start_backend(cleanup)
    GW = Gateway(cleanup, {"objects.yaml": manifests()},
                 args=["--https-listen", "127.0.0.1:0"], listeners=["http", "https", "admin"])
    GW.https = GW.proc.address("https")
    wait_until(lambda: handshake(GW.https, HOST).der == LEAF.der,
               what=f"{HOST} served with its Secret's certificate")


def channel():
    with open(PKI.ca_cert, "rb") as f:
        root = f.read()
    credentials = grpc.ssl_channel_credentials(root_certificates=root)
    host, port = GW.https
    ch = grpc.secure_channel(f"{host}:{port}", credentials,
                             options=(("grpc.ssl_target_name_override", HOST),
                                      ("grpc.default_authority", HOST)))
    return ch


class GrpcTest(unittest.TestCase):
    def setUp(self):
        GW.assert_alive()
        self.ch = channel()
        self.addCleanup(self.ch.close)

    def test_unary_call_with_trailers(self):
        call = self.ch.unary_unary("/test.Echo/Unary")
        wait_until(lambda: self._try(call, b"ping") == b"echo:ping", what="first gRPC call")
        response, info = call.with_call(b"hello", timeout=5)
        self.assertEqual(response, b"echo:hello")
        self.assertEqual(info.code(), grpc.StatusCode.OK)
        # Trailing metadata came through as HTTP/2 trailers, next to grpc-status.
        self.assertIn(("x-trailer", "t1"), [(m.key, m.value) for m in info.trailing_metadata()])

    def test_error_status_from_a_trailers_only_answer(self):
        call = self.ch.unary_unary("/test.Echo/Unary")
        with self.assertRaises(grpc.RpcError) as caught:
            call(b"fail", timeout=5)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(caught.exception.details(), "no")

    def test_server_streaming(self):
        call = self.ch.unary_stream("/test.Echo/ServerStream")
        self.assertEqual(list(call(b"50", timeout=10)), [b"item%d" % i for i in range(50)])

    def test_client_streaming(self):
        call = self.ch.stream_unary("/test.Echo/ClientStream")
        parts = [b"a" * 10, b"b" * 70000, b"c"]  # one message bigger than a DATA frame
        self.assertEqual(call(iter(parts), timeout=10), b"|".join(parts))

    def test_metadata_reaches_the_backend(self):
        call = self.ch.unary_unary("/test.Echo/Metadata")
        seen = call(b"", metadata=(("x-user", "alice"),), timeout=5).decode()
        self.assertIn("x-user=alice;", seen)
        self.assertIn("x-forwarded-proto=https;", seen)

    def test_many_calls_share_one_upstream_connection(self):
        call = self.ch.unary_unary("/test.Echo/Unary")
        self.assertEqual(call(b"warm", timeout=5), b"echo:warm")
        # Counters reach /metrics once a second: settle them before and after.
        wait_until(lambda: metric_sum(GW.metrics(), "waygate_upstream_requests_total") >= 1,
                   what="metrics flushed")
        requests_before = metric_sum(GW.metrics(), "waygate_upstream_requests_total")
        before = metric_sum(GW.metrics(), "waygate_upstream_connections_opened_total")
        for i in range(30):
            self.assertEqual(call(b"n%d" % i, timeout=5), b"echo:n%d" % i)
        wait_until(lambda: metric_sum(GW.metrics(),
                                      "waygate_upstream_requests_total") >= requests_before + 30,
                   what="metrics flushed")
        after = metric_sum(GW.metrics(), "waygate_upstream_connections_opened_total")
        # Sequential calls reuse the pooled h2c connection (one stream at a time on it).
        self.assertLessEqual(after - before, 2)

    def test_unknown_method_is_the_backends_unimplemented(self):
        call = self.ch.unary_unary("/test.Echo/Nope")
        with self.assertRaises(grpc.RpcError) as caught:
            call(b"", timeout=5)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNIMPLEMENTED)

    @staticmethod
    def _try(call, payload):
        try:
            return call(payload, timeout=2)
        except grpc.RpcError:
            return None


if __name__ == "__main__":
    unittest.main()
