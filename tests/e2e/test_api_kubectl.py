"""The API server driven by the real kubectl: every assertion is on what kubectl prints or
returns, so a regression in wire compatibility shows up as a kubectl failure here."""

import json
import os
import queue
import subprocess
import tempfile
import textwrap
import threading
import time
import unittest

from api_harness import ApiServer, ingress
from harness import wait_until

APP_YAML = textwrap.dedent("""\
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      namespace: shop
    spec:
      ports:
      - name: http
        port: 80
        targetPort: 8080
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: web
      namespace: shop
      labels:
        app: web
        tier: front
      annotations:
        kubesphere.io/alias-name: Web shop
        kubesphere.io/description: The shop front end
    spec:
      ingressClassName: waygate
      tls:
      - hosts: [shop.example.com]
        secretName: shop-tls
      rules:
      - host: shop.example.com
        http:
          paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
    """)


class KubectlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = ApiServer(cls.addClassCleanup)
        cls.kubectl = cls.api.kubectl
        cls.kubectl("apply", "-f", "-", input=APP_YAML)

    def test_version_reports_a_minor_the_dispatcher_serves(self):
        out = json.loads(self.kubectl("version", "-o", "json").stdout)
        self.assertEqual(out["serverVersion"]["major"], "1")
        self.assertIn(int(out["serverVersion"]["minor"]), range(27, 34))

    def test_get_table_columns_as_kube_prints_them(self):
        out = self.kubectl("get", "ingress", "-n", "shop").stdout.splitlines()
        self.assertEqual(out[0].split(), ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"])
        self.assertEqual(out[1].split()[:4], ["web", "waygate", "shop.example.com", "80,"])
        self.assertIn("80, 443", out[1])
        wide = self.kubectl("get", "svc", "web", "-n", "shop", "-o", "wide").stdout
        self.assertIn("SELECTOR", wide.splitlines()[0])
        self.assertIn("80/TCP", wide)

    def test_output_formats(self):
        obj = self.api.kubectl_json("get", "ingress", "web", "-n", "shop")
        meta = obj["metadata"]
        self.assertEqual(obj["kind"], "Ingress")
        self.assertRegex(meta["uid"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-")
        self.assertRegex(meta["creationTimestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(meta["generation"], 1)
        self.assertTrue(meta["resourceVersion"].isdigit())
        self.assertEqual(meta["annotations"]["kubesphere.io/creator"], "admin")
        yaml_out = self.kubectl("get", "ingress", "web", "-n", "shop", "-o", "yaml").stdout
        self.assertIn("kubesphere.io/alias-name: Web shop", yaml_out)
        self.assertEqual(self.kubectl("get", "ingress", "-n", "shop", "-o", "name").stdout,
                         "ingress.networking.k8s.io/web\n")
        host = self.kubectl("get", "ingress", "web", "-n", "shop", "-o",
                            "jsonpath={.spec.rules[0].host}").stdout
        self.assertEqual(host, "shop.example.com")

    def test_label_selectors(self):
        ns = "selectors"
        self.kubectl("create", "namespace", ns)
        for name, labels in [("a", {"tier": "front", "env": "prod"}),
                             ("b", {"tier": "back", "env": "prod"}),
                             ("c", {"tier": "front"})]:
            self.kubectl("create", "-f", "-",
                         input=json.dumps(ingress(name, ns, f"{name}.{ns}.example.com", labels=labels)))

        def names(selector):
            out = self.kubectl("get", "ingress", "-n", ns, "-l", selector, "-o", "name").stdout
            return sorted(line.split("/")[-1] for line in out.split())

        self.assertEqual(names("tier=front"), ["a", "c"])
        self.assertEqual(names("tier==front,env=prod"), ["a"])
        self.assertEqual(names("tier!=front"), ["b"])
        self.assertEqual(names("tier in (back,middle)"), ["b"])
        self.assertEqual(names("tier notin (back)"), ["a", "c"])
        self.assertEqual(names("env"), ["a", "b"])
        self.assertEqual(names("!env"), ["c"])
        bad = self.kubectl("get", "ingress", "-n", ns, "-l", "tier in (", check=False)
        self.assertNotEqual(bad.returncode, 0)
        field = self.kubectl("get", "ingress", "-n", ns, "--field-selector", "metadata.name=b",
                             "-o", "name").stdout
        self.assertEqual(field, "ingress.networking.k8s.io/b\n")

    def test_paging_with_chunk_size(self):
        ns = "paging"
        self.kubectl("create", "namespace", ns)
        docs = [ingress(f"r{i:02d}", ns, f"r{i}.example.com") for i in range(12)]
        self.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                            "items": docs}))
        out = self.kubectl("get", "ingress", "-n", ns, "--chunk-size", "5", "-o", "name",
                           "-v", "6").stdout
        self.assertEqual(len(out.split()), 12)
        raw = self.kubectl("get", "--raw",
                           f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses?limit=5").stdout
        page = json.loads(raw)
        self.assertEqual(len(page["items"]), 5)
        self.assertEqual(page["metadata"]["remainingItemCount"], 7)
        token = page["metadata"]["continue"]
        from urllib.parse import quote
        rest = json.loads(self.kubectl(
            "get", "--raw",
            f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses?limit=10&continue="
            f"{quote(token)}").stdout)
        self.assertEqual([i["metadata"]["name"] for i in rest["items"]],
                         [f"r{i:02d}" for i in range(5, 12)])
        self.assertNotIn("continue", rest["metadata"])

    def test_label_annotate_patch_replace(self):
        ns = "edits"
        self.kubectl("create", "namespace", ns)
        self.kubectl("create", "-f", "-", input=json.dumps(ingress("site", ns, "a.example.com")))
        self.kubectl("label", "ingress", "site", "-n", ns, "team=blue")
        self.kubectl("annotate", "ingress", "site", "-n", ns, "note=hello")
        obj = self.api.kubectl_json("get", "ingress", "site", "-n", ns)
        self.assertEqual(obj["metadata"]["labels"]["team"], "blue")
        self.assertEqual(obj["metadata"]["annotations"]["note"], "hello")
        self.assertEqual(obj["metadata"]["generation"], 1)  # metadata edits keep generation

        self.kubectl("patch", "ingress", "site", "-n", ns, "--type", "merge", "-p",
                     '{"spec":{"rules":[{"host":"b.example.com","http":{"paths":[{"path":"/",'
                     '"pathType":"Prefix","backend":{"service":{"name":"web","port":'
                     '{"number":80}}}}]}}]}}')
        self.kubectl("patch", "ingress", "site", "-n", ns, "--type", "json", "-p",
                     '[{"op":"replace","path":"/spec/rules/0/http/paths/0/path","value":"/v2"}]')
        self.kubectl("patch", "ingress", "site", "-n", ns, "--type", "strategic", "-p",
                     '{"metadata":{"labels":{"team":null,"color":"red"}}}')
        obj = self.api.kubectl_json("get", "ingress", "site", "-n", ns)
        self.assertEqual(obj["spec"]["rules"][0]["host"], "b.example.com")
        self.assertEqual(obj["spec"]["rules"][0]["http"]["paths"][0]["path"], "/v2")
        self.assertEqual(obj["metadata"]["labels"], {"color": "red"})
        self.assertEqual(obj["metadata"]["generation"], 3)

        # replace with the current resourceVersion succeeds; with a stale one it is a 409.
        current = obj
        current["spec"]["rules"][0]["host"] = "c.example.com"
        self.kubectl("replace", "-f", "-", input=json.dumps(current))
        stale = self.kubectl("replace", "-f", "-", input=json.dumps(current), check=False)
        self.assertNotEqual(stale.returncode, 0)
        self.assertIn("the object has been modified; please apply your changes to the latest "
                      "version and try again", stale.stderr)

        bad = self.kubectl("patch", "ingress", "site", "-n", ns, "--type", "json", "-p",
                           '[{"op":"remove","path":"/spec/nope"}]', check=False)
        self.assertNotEqual(bad.returncode, 0)

    def test_edit_through_kube_editor(self):
        ns = "editor"
        self.kubectl("create", "namespace", ns)
        self.kubectl("create", "-f", "-", input=json.dumps(ingress("ed", ns, "old.example.com")))
        editor = os.path.join(self.api.home, "editor.sh")
        with open(editor, "w") as f:
            f.write("#!/bin/sh\nsed -i 's/old.example.com/new.example.com/' \"$1\"\n")
        os.chmod(editor, 0o755)
        out = self.kubectl("edit", "ingress", "ed", "-n", ns, env={"KUBE_EDITOR": editor})
        self.assertIn("ingress.networking.k8s.io/ed edited", out.stdout)
        host = self.kubectl("get", "ingress", "ed", "-n", ns, "-o",
                            "jsonpath={.spec.rules[0].host}").stdout
        self.assertEqual(host, "new.example.com")

    def test_invalid_ingress_gets_field_paths_and_nothing_is_stored(self):
        bad = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": "Bad_Name", "namespace": "shop"},
               "spec": {"rules": [{"host": "UPPER.example.com", "http": {"paths": [{
                   "path": "relative", "backend": {"service": {"name": "web",
                                                               "port": {"number": 80}}}}]}}]}}
        out = self.kubectl("create", "-f", "-", input=json.dumps(bad), check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('The Ingress "Bad_Name" is invalid', out.stderr)
        self.assertIn("spec.rules[0].http.paths[0].pathType: Required value", out.stderr)
        self.assertIn('spec.rules[0].host: Invalid value: "UPPER.example.com"', out.stderr)
        self.assertIn('metadata.name: Invalid value: "Bad_Name"', out.stderr)
        names = self.kubectl("get", "ingress", "-n", "shop", "-o", "name").stdout
        self.assertNotIn("Bad_Name", names)

    def test_unknown_fields_strict_by_default_in_kubectl(self):
        obj = ingress("typo", "shop", "typo.example.com")
        obj["spec"]["rules"][0]["http"]["paths"][0]["pathTyp"] = "Prefix"
        out = self.kubectl("create", "-f", "-", input=json.dumps(obj), check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('strict decoding error: unknown field "spec.rules[0].http.paths[0].pathTyp"',
                      out.stderr)
        # --validate=warn stores the object without the unknown field and says so.
        out = self.kubectl("create", "--validate=warn", "-f", "-", input=json.dumps(obj))
        self.assertIn('unknown field "spec.rules[0].http.paths[0].pathTyp"', out.stderr)
        stored = self.api.kubectl_json("get", "ingress", "typo", "-n", "shop")
        self.assertNotIn("pathTyp", stored["spec"]["rules"][0]["http"]["paths"][0])

    def test_kubesphere_annotation_bounds(self):
        long_alias = "x" * 64
        obj = ingress("alias", "shop", "alias.example.com",
                      annotations={"kubesphere.io/alias-name": long_alias})
        out = self.kubectl("create", "-f", "-", input=json.dumps(obj), check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("metadata.annotations[kubesphere.io/alias-name]", out.stderr)
        self.assertIn("must be no more than 63 characters", out.stderr)

    def test_already_exists_and_not_found(self):
        dup = self.kubectl("create", "-f", "-", input=json.dumps(ingress("web", "shop", "x.io")),
                           check=False)
        self.assertIn('ingresses.networking.k8s.io "web" already exists', dup.stderr)
        missing = self.kubectl("get", "ingress", "nope", "-n", "shop", check=False)
        self.assertIn('ingresses.networking.k8s.io "nope" not found', missing.stderr)
        no_ns = self.kubectl("create", "-f", "-",
                             input=json.dumps(ingress("x", "no-such-ns", "x.io")), check=False)
        self.assertIn('namespaces "no-such-ns" not found', no_ns.stderr)

    def test_creator_is_stamped_by_the_server(self):
        self.kubectl("create", "namespace", "creator")
        obj = ingress("c", "creator", "c.creator.example.com",
                      annotations={"kubesphere.io/creator": "mallory"})
        self.kubectl("create", "-f", "-", input=json.dumps(obj))
        self.kubectl("annotate", "--overwrite", "ingress", "c", "-n", "creator",
                     "kubesphere.io/creator=eve")
        got = self.api.kubectl_json("get", "ingress", "c", "-n", "creator")
        self.assertEqual(got["metadata"]["annotations"]["kubesphere.io/creator"], "admin")

    def test_generate_name(self):
        self.kubectl("create", "namespace", "generated")
        obj = ingress("", "generated", "generated.example.com")
        del obj["metadata"]["name"]
        obj["metadata"]["generateName"] = "gen-"
        out = self.kubectl("create", "-f", "-", "-o", "name", input=json.dumps(obj)).stdout
        self.assertRegex(out.strip(), r"^ingress.networking.k8s.io/gen-[bcdfghjklmnpqrstvwxz2456789]{5}$")

    def test_protobuf_generators(self):
        # kubectl 1.32's create generators send application/vnd.kubernetes.protobuf bodies.
        self.kubectl("create", "namespace", "gen")
        self.kubectl("create", "configmap", "cfg", "-n", "gen", "--from-literal=k=v")
        self.kubectl("create", "secret", "generic", "s", "-n", "gen", "--from-literal=pw=hunter2")
        self.kubectl("create", "service", "clusterip", "svc", "-n", "gen", "--tcp=80:8080")
        self.kubectl("create", "ingress", "ing", "-n", "gen", "--class=waygate",
                     "--rule=gen.example.com/*=svc:80")
        cm = self.api.kubectl_json("get", "configmap", "cfg", "-n", "gen")
        self.assertEqual(cm["data"], {"k": "v"})
        secret = self.api.kubectl_json("get", "secret", "s", "-n", "gen")
        self.assertEqual(secret["data"], {"pw": "aHVudGVyMg=="})
        self.assertEqual(secret["type"], "Opaque")
        ing = self.api.kubectl_json("get", "ingress", "ing", "-n", "gen")
        path = ing["spec"]["rules"][0]["http"]["paths"][0]
        self.assertEqual((path["path"], path["pathType"]), ("/", "Prefix"))
        svc = self.api.kubectl_json("get", "service", "svc", "-n", "gen")
        self.assertEqual(svc["spec"]["ports"][0]["targetPort"], 8080)

    def test_describe_shows_warning_for_missing_service(self):
        self.kubectl("create", "namespace", "warn")
        self.kubectl("create", "-f", "-", input=json.dumps(
            ingress("orphan", "warn", "orphan.example.com", service="nowhere")))

        def described():
            out = self.kubectl("describe", "ingress", "orphan", "-n", "warn").stdout
            return out if "ServiceNotFound" in out else None

        out = wait_until(described, timeout=20, what="a Warning event in kubectl describe")
        self.assertIn("Warning", out)
        self.assertIn('service "warn/nowhere" not found', out)
        events = self.api.kubectl_json("get", "events", "-n", "warn")["items"]
        self.assertEqual([e["involvedObject"]["name"] for e in events], ["orphan"])

    def test_invalid_annotation_is_a_422_naming_the_key(self):
        # Admission parses every nginx.ingress.kubernetes.io/* value: a bad CIDR, a bad size and
        # a snippet are refused in one Status that names each annotation as the field.
        self.kubectl("create", "namespace", "annot")
        bad = ingress("bad", "annot", "bad.example.com", annotations={
            "nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0/8",
            "nginx.ingress.kubernetes.io/proxy-body-size": "8 parsecs",
            "nginx.ingress.kubernetes.io/server-snippet": "return 200;"})
        result = self.kubectl("apply", "-f", "-", input=json.dumps(bad), check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("is invalid", result.stderr)
        for key in ("whitelist-source-range", "proxy-body-size", "server-snippet"):
            self.assertIn(f"metadata.annotations[nginx.ingress.kubernetes.io/{key}]",
                          result.stderr)
        self.assertIn("snippet annotations are refused", result.stderr)
        got = self.kubectl("get", "ingress", "bad", "-n", "annot", check=False)
        self.assertNotEqual(got.returncode, 0)  # nothing was stored
        self.assertIn("NotFound", got.stderr)
        # The same object with valid values is accepted, and kubesphere.io keys are untouched.
        good = ingress("bad", "annot", "bad.example.com", annotations={
            "nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8",
            "nginx.ingress.kubernetes.io/proxy-body-size": "8m",
            "kubesphere.io/description": "return 200;"})
        self.kubectl("apply", "-f", "-", input=json.dumps(good))
        stored = self.api.kubectl_json("get", "ingress", "bad", "-n", "annot")
        self.assertEqual(stored["metadata"]["annotations"]["kubesphere.io/description"],
                         "return 200;")

    def test_describe_warns_about_an_unsupported_annotation(self):
        self.kubectl("create", "namespace", "unsup")
        self.kubectl("create", "-f", "-", input=json.dumps(ingress(
            "web", "unsup", "unsup.example.com", service="web",
            annotations={"nginx.ingress.kubernetes.io/enable-modsecurity": "true"})))

        def described():
            out = self.kubectl("describe", "ingress", "web", "-n", "unsup").stdout
            return out if "UnsupportedAnnotation" in out else None

        out = wait_until(described, timeout=20, what="an UnsupportedAnnotation Warning event")
        self.assertIn("Warning", out)
        self.assertIn("annotation nginx.ingress.kubernetes.io/enable-modsecurity is not supported",
                      out)

    def test_describe_and_explain(self):
        out = self.kubectl("describe", "ingress", "web", "-n", "shop").stdout
        self.assertIn("Name:             web", out)
        self.assertIn("shop.example.com", out)
        self.assertIn("kubesphere.io/alias-name: Web shop", out)
        explain = self.kubectl("explain", "ingress.spec.rules.http.paths").stdout
        self.assertIn("pathType", explain)
        self.assertIn("-required-", explain)

    def test_watch_prints_changes(self):
        ns = "watching"
        self.kubectl("create", "namespace", ns)
        self.kubectl("create", "-f", "-", input=json.dumps(ingress("w1", ns, "w1.example.com")))
        env = dict(os.environ, HOME=self.api.home, KUBECONFIG=self.api.kubeconfig)
        watcher = subprocess.Popen(
            ["/usr/bin/kubectl", "--cache-dir", os.path.join(self.api.home, "cache"), "get",
             "ingress", "-n", ns, "-w", "--request-timeout", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        # A reader thread hands lines over a queue, so a line that never comes fails the test at
        # its deadline instead of leaving it blocked in readline; None marks the end of output.
        printed = queue.Queue()

        def pump():
            for line in watcher.stdout:
                printed.put(line)
            printed.put(None)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()

        def stop_watcher():
            watcher.kill()
            watcher.wait()
            reader.join(timeout=10)
            watcher.stdout.close()
            watcher.stderr.close()
        self.addCleanup(stop_watcher)
        lines = []

        def read_until(text, what, timeout=20):
            deadline = time.monotonic() + timeout
            while not any(text in line for line in lines):
                left = deadline - time.monotonic()
                if left <= 0:
                    self.fail(f"timed out after {timeout}s waiting for {what}; "
                              f"kubectl printed {lines!r}")
                try:
                    line = printed.get(timeout=left)
                except queue.Empty:
                    continue
                if line is None:
                    watcher.wait(timeout=10)
                    self.fail(f"kubectl stopped watching before {what}; printed {lines!r}, "
                              f"stderr {watcher.stderr.read()!r}")
                lines.append(line)

        read_until("w1.example.com", "initial watch line")
        self.kubectl("create", "-f", "-", input=json.dumps(ingress("w2", ns, "w2.example.com")))
        read_until("w2.example.com", "ADDED line")
        self.assertEqual(lines[0].split(), ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"])

    def test_delete_and_namespace_cascade(self):
        ns = "doomed"
        self.kubectl("create", "namespace", ns)
        self.kubectl("create", "-f", "-", input=json.dumps(ingress("a", ns, "a.doomed.example.com")))
        self.kubectl("create", "configmap", "c", "-n", ns, "--from-literal=x=y")
        self.kubectl("delete", "ingress", "a", "-n", ns)
        self.assertEqual(self.kubectl("get", "ingress", "-n", ns, "-o", "name").stdout, "")
        self.kubectl("create", "-f", "-", input=json.dumps(ingress("b", ns, "b.doomed.example.com")))
        out = self.kubectl("delete", "namespace", ns, "--timeout", "30s")
        self.assertIn(f'namespace "{ns}" deleted', out.stdout)
        gone = self.kubectl("get", "namespace", ns, check=False)
        self.assertIn(f'namespaces "{ns}" not found', gone.stderr)
        # Its content went with it: recreating the namespace shows nothing left over.
        self.kubectl("create", "namespace", ns)
        self.assertEqual(self.kubectl("get", "ingress,configmap", "-n", ns, "-o", "name").stdout,
                         "")

    def test_server_side_apply_managers_and_conflicts(self):
        ns = "ssa"
        self.kubectl("create", "namespace", ns)
        doc = ingress("ssa", ns, "one.example.com", labels={"team": "a"})
        self.kubectl("apply", "--server-side", "-f", "-", input=json.dumps(doc))
        obj = json.loads(self.kubectl("get", "ingress", "ssa", "-n", ns, "-o", "json",
                                      "--show-managed-fields").stdout)
        managers = {(m["manager"], m["operation"]) for m in obj["metadata"]["managedFields"]}
        self.assertIn(("kubectl", "Apply"), managers)
        # Another manager changing a field kubectl owns is a conflict...
        doc["spec"]["rules"][0]["host"] = "two.example.com"
        clash = self.kubectl("apply", "--server-side", "--field-manager", "robot", "-f", "-",
                             input=json.dumps(doc), check=False)
        self.assertNotEqual(clash.returncode, 0)
        self.assertIn('conflict with "kubectl"', clash.stderr)
        self.assertIn(".spec.rules", clash.stderr)
        self.assertEqual(self.kubectl("get", "ingress", "ssa", "-n", ns, "-o",
                                      "jsonpath={.spec.rules[0].host}").stdout, "one.example.com")
        # ...unless forced, which moves ownership.
        self.kubectl("apply", "--server-side", "--field-manager", "robot", "--force-conflicts",
                     "-f", "-", input=json.dumps(doc))
        self.assertEqual(self.kubectl("get", "ingress", "ssa", "-n", ns, "-o",
                                      "jsonpath={.spec.rules[0].host}").stdout, "two.example.com")
        # A field its manager stops applying is removed.
        del doc["metadata"]["labels"]
        self.kubectl("apply", "--server-side", "--field-manager", "robot", "-f", "-",
                     input=json.dumps(doc))
        kubectl_doc = ingress("ssa", ns, "two.example.com")
        self.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-",
                     input=json.dumps(kubectl_doc))
        labels = self.kubectl("get", "ingress", "ssa", "-n", ns, "-o",
                              "jsonpath={.metadata.labels}").stdout
        self.assertEqual(labels, "")

    def test_apply_is_idempotent(self):
        out = self.kubectl("apply", "-f", "-", input=APP_YAML).stdout
        self.assertIn("ingress.networking.k8s.io/web unchanged", out)


if __name__ == "__main__":
    unittest.main()
