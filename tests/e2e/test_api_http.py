"""The API's HTTP edges, checked on the wire: authentication, body limits, media types,
undecodable bodies, discovery negotiation."""

import json
import ssl
import unittest
import urllib.error
import urllib.request

from api_harness import ApiServer


class ApiHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = ApiServer(cls.addClassCleanup)
        cls.ctx = ssl.create_default_context(cafile=cls.api.ca_file)

    def request(self, method, path, body=None, headers=None, token=True):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + self.api.token
        req = urllib.request.Request(self.api.url + path, data=body, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=20) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def test_no_token_is_401_but_health_is_public(self):
        status, _, body = self.request("GET", "/api/v1/namespaces", token=False)
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body)["reason"], "Unauthorized")
        status, _, _ = self.request("GET", "/api/v1/namespaces", token=False,
                                    headers={"Authorization": "Bearer wrong"})
        self.assertEqual(status, 401)
        self.assertEqual(self.request("GET", "/healthz", token=False)[:1], (200,))
        self.assertEqual(self.request("GET", "/readyz", token=False)[0], 200)

    def test_body_over_3_mib_is_413_and_nothing_is_stored(self):
        big = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                          "metadata": {"name": "big"}, "data": {"x": "a" * (3 * 1024 * 1024)}})
        status, _, body = self.request("POST", "/api/v1/namespaces/default/configmaps",
                                       big.encode(), {"Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertIn("Request entity too large: limit is 3145728", json.loads(body)["message"])
        self.assertEqual(self.request("GET", "/api/v1/namespaces/default/configmaps/big")[0], 404)

    def test_undecodable_body_is_400_with_line_and_column(self):
        status, _, body = self.request(
            "POST", "/api/v1/namespaces/default/configmaps",
            b'{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": x}\n}',
            {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        message = json.loads(body)["message"]
        self.assertRegex(message, r"line 4")
        yaml_status, _, yaml_body = self.request(
            "POST", "/api/v1/namespaces/default/configmaps",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
            {"Content-Type": "application/yaml"})
        self.assertEqual(yaml_status, 400)
        self.assertRegex(json.loads(yaml_body)["message"], r"line \d+")

    def test_unknown_media_type_is_415(self):
        status, _, body = self.request("POST", "/api/v1/namespaces/default/configmaps", b"x",
                                       {"Content-Type": "text/csv"})
        self.assertEqual(status, 415)
        self.assertEqual(json.loads(body)["reason"], "UnsupportedMediaType")
        status, _, _ = self.request("PATCH", "/api/v1/namespaces/default", b"{}",
                                    {"Content-Type": "application/json"})
        self.assertEqual(status, 415)

    def test_yaml_body_is_accepted(self):
        status, _, body = self.request(
            "POST", "/api/v1/namespaces/default/configmaps",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n",
            {"Content-Type": "application/yaml"})
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body)["data"], {"k": "v"})

    def test_aggregated_discovery_when_asked(self):
        accept = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                  "application/json")
        status, headers, body = self.request("GET", "/apis", headers={"Accept": accept})
        self.assertEqual(status, 200)
        self.assertIn("as=APIGroupDiscoveryList", headers["Content-Type"])
        doc = json.loads(body)
        groups = {g["metadata"]["name"]: g for g in doc["items"]}
        self.assertIn("networking.k8s.io", groups)
        ingresses = [r for r in groups["networking.k8s.io"]["versions"][0]["resources"]
                     if r["resource"] == "ingresses"][0]
        self.assertEqual(ingresses["scope"], "Namespaced")
        self.assertEqual(ingresses["subresources"][0]["subresource"], "status")
        status, headers, body = self.request("GET", "/apis")
        self.assertEqual(json.loads(body)["kind"], "APIGroupList")

    def test_status_subresource_changes_only_status(self):
        ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": "st", "namespace": "default"},
               "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}},
               "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.9"}]}}}
        status, _, body = self.request("POST", "/apis/networking.k8s.io/v1/namespaces/default/"
                                       "ingresses", json.dumps(ing).encode(),
                                       {"Content-Type": "application/json"})
        self.assertEqual(status, 201, body)
        created = json.loads(body)
        self.assertNotIn("status", created)  # status is not set through the main resource
        patch = {"status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.9"}]}},
                 "spec": {"defaultBackend": {"service": {"name": "other",
                                                         "port": {"number": 81}}}}}
        status, _, body = self.request(
            "PATCH", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/st/status",
            json.dumps(patch).encode(), {"Content-Type": "application/merge-patch+json"})
        self.assertEqual(status, 200, body)
        after = json.loads(body)
        self.assertEqual(after["status"]["loadBalancer"]["ingress"], [{"ip": "10.0.0.9"}])
        self.assertEqual(after["spec"]["defaultBackend"]["service"]["name"], "web")
        self.assertEqual(after["metadata"]["generation"], 1)

    def test_tls_secret_needs_both_keys_as_kube_says_but_pem_is_not_parsed(self):
        path = "/api/v1/namespaces/default/secrets"
        json_body = {"Content-Type": "application/json"}

        def secret(name, data=None, string_data=None):
            obj = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                   "metadata": {"name": name, "namespace": "default"}}
            if data is not None:
                obj["data"] = data
            if string_data is not None:
                obj["stringData"] = string_data
            return json.dumps(obj).encode()

        status, _, body = self.request("POST", path, secret("half", {"tls.crt": "Y2VydA=="}),
                                       json_body)
        self.assertEqual(status, 422, body)
        st = json.loads(body)
        # kube-apiserver's ValidateSecret, word for word.
        self.assertEqual(st["reason"], "Invalid")
        self.assertEqual(st["message"], 'Secret "half" is invalid: data[tls.key]: Required value')
        self.assertEqual(st["details"]["causes"], [
            {"reason": "FieldValueRequired", "message": "Required value", "field": "data[tls.key]"}])
        status, _, body = self.request("POST", path, secret("none", {}), json_body)
        self.assertEqual(status, 422, body)
        self.assertEqual([c["field"] for c in json.loads(body)["details"]["causes"]],
                         ["data[tls.crt]", "data[tls.key]"])
        self.assertEqual(self.request("GET", path + "/half")[0], 404)

        # kube does not parse the PEM: unusable content is stored (the gateways then record a
        # Warning Event for the Ingress that names it), and stringData counts.
        status, _, body = self.request(
            "POST", path, secret("junk", {"tls.crt": "bm90IGEgY2VydA=="},
                                 {"tls.key": "not a key"}), json_body)
        self.assertEqual(status, 201, body)
        self.assertEqual(sorted(json.loads(body)["data"]), ["tls.crt", "tls.key"])
        # An update that drops a key is refused too.
        status, _, body = self.request(
            "PATCH", path + "/junk", b'{"data":{"tls.key":null}}',
            {"Content-Type": "application/merge-patch+json"})
        self.assertEqual(status, 422, body)
        self.assertEqual(json.loads(body)["details"]["causes"][0]["field"], "data[tls.key]")


if __name__ == "__main__":
    unittest.main()
