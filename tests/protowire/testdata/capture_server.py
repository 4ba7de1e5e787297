import json, sys, os
from http.server import BaseHTTPRequestHandler, HTTPServer

OUT = sys.argv[1]
res = lambda name, kind, ns=True: {"name": name, "singularName": kind.lower(), "namespaced": ns,
    "kind": kind, "verbs": ["create", "get", "list", "delete"]}
ROUTES = {
  "/version": {"major": "1", "minor": "32", "gitVersion": "v1.32.0"},
  "/api": {"kind": "APIVersions", "versions": ["v1"],
           "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]},
  "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [{"name": "networking.k8s.io",
            "versions": [{"groupVersion": "networking.k8s.io/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "networking.k8s.io/v1", "version": "v1"}}]},
  "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
      res("namespaces", "Namespace", False), res("secrets", "Secret"),
      res("configmaps", "ConfigMap"), res("services", "Service")]},
  "/apis/networking.k8s.io/v1": {"kind": "APIResourceList", "groupVersion": "networking.k8s.io/v1",
      "resources": [res("ingresses", "Ingress")]},
}
class H(BaseHTTPRequestHandler):
    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        path = self.path.split("?")[0]
        if path in ROUTES: return self.reply(200, ROUTES[path])
        self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404, "reason": "NotFound"})
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        H.n = getattr(H, "n", 0) + 1; name = "%02d-%s" % (H.n, self.path.split("?")[0].strip("/").split("/")[-1])
        with open(os.path.join(OUT, name + ".bin"), "wb") as f: f.write(body)
        with open(os.path.join(OUT, name + ".ct"), "w") as f: f.write(self.headers.get("Content-Type", ""))
        self.reply(201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"})
    def log_message(self, *a): pass
srv = HTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
