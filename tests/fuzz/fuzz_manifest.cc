// libFuzzer target for the manifest decoder. Input: one manifest file's text, as is (seeds are
// plain manifests). The file name has no extension, so the decoder sniffs the content: text
// starting with '{' takes the JSON path, everything else the YAML path. Besides "no crash, no
// sanitizer report, no escaping exception", it checks the decoder's contracts: every object it
// hands out passes validation again on its own (nothing invalid slips into ClusterState), every
// object and diagnostic names the file and a document, and decoding is deterministic (a second
// run gives the same objects and the same diagnostics, word for word).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "model/decode.h"
#include "model/field_path.h"
#include "model/validate.h"

namespace {

using namespace waygate::model;

const std::string kFile = "fuzz-manifest";

void Check(bool ok, const char* what, const std::string& detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_manifest: contract violated: %s%s%s\n", what,
               detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

// One line per object: enough to tell two decodes apart, and what a failure report prints.
template <class T>
void Describe(const char* kind, const std::vector<T>& objects, std::vector<std::string>& out) {
  for (const T& o : objects) {
    out.push_back(std::string(kind) + " " + o.meta.namespace_ + "/" + o.meta.name + " @" +
                  o.origin.file + "[" + std::to_string(o.origin.document) + "]." +
                  std::to_string(o.origin.item));
  }
}

std::vector<std::string> Describe(const ClusterState& s, const std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  Describe("Ingress", s.ingresses, out);
  Describe("IngressClass", s.ingress_classes, out);
  Describe("Service", s.services, out);
  Describe("Endpoints", s.endpoints, out);
  Describe("EndpointSlice", s.endpoint_slices, out);
  Describe("Secret", s.secrets, out);
  Describe("Gateway", s.gateways, out);
  for (const Diagnostic& d : diags) out.push_back("diagnostic " + d.ToString());
  return out;
}

// What DecodeManifest accepted must be valid by the same rules, re-checked from the typed
// object alone, and must say where it came from.
template <class T>
void CheckObjects(const char* kind, const std::vector<T>& objects) {
  for (const T& o : objects) {
    ErrorList errs;
    Validate(o, errs);
    if (!errs.empty()) {
      const auto& e = errs.errors().front();
      Check(false, "a decoded object fails validation",
            std::string(kind) + " " + o.meta.namespace_ + "/" + o.meta.name + ": " + e.field +
                ": " + e.message);
    }
    Check(o.origin.file == kFile, "object origin names another file", o.origin.file);
    Check(o.origin.document >= 0 && o.origin.item >= -1, "object origin out of range");
  }
}

void CheckDiagnostics(const std::vector<Diagnostic>& diags) {
  for (const Diagnostic& d : diags) {
    Check(d.origin.file == kFile, "diagnostic origin names another file", d.origin.file);
    Check(d.origin.document >= 0 && d.origin.item >= -1, "diagnostic origin out of range",
          d.ToString());
    Check(!d.error.message.empty(), "diagnostic without a message", d.ToString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  ClusterState first;
  std::vector<Diagnostic> first_diags;
  DecodeManifest(text, kFile, first, first_diags);

  CheckObjects("Ingress", first.ingresses);
  CheckObjects("IngressClass", first.ingress_classes);
  CheckObjects("Service", first.services);
  CheckObjects("Endpoints", first.endpoints);
  CheckObjects("EndpointSlice", first.endpoint_slices);
  CheckObjects("Secret", first.secrets);
  CheckObjects("Gateway", first.gateways);
  CheckDiagnostics(first_diags);

  ClusterState second;
  std::vector<Diagnostic> second_diags;
  DecodeManifest(text, kFile, second, second_diags);
  const std::vector<std::string> a = Describe(first, first_diags);
  const std::vector<std::string> b = Describe(second, second_diags);
  Check(a.size() == b.size(), "a second decode gives a different number of results",
        std::to_string(a.size()) + " then " + std::to_string(b.size()));
  for (size_t i = 0; i < a.size(); ++i) {
    Check(a[i] == b[i], "a second decode differs", a[i] + " | " + b[i]);
  }
  return 0;
}
