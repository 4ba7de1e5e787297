// libFuzzer target for the TLS Secret loader (src/tls/certificate.cc, with src/pki's PEM
// helpers): arbitrary bytes as tls.crt and tls.key. Input: tls.crt, a NUL byte, tls.key (without
// a NUL, the same bytes are both). Besides "no crash", it checks the contracts: a loaded
// certificate has a leaf whose key matches, is valid at `now`, and has normalized DNS names; a
// refusal names tls.crt or tls.key and says why; OpenSSL's error queue is left empty either way.
#include <openssl/err.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tls/certificate.h"

namespace {

void CheckAt(bool ok, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_cert_load.cc:%d: contract violated\n", line);
  std::abort();
}
#define Check(cond) CheckAt((cond), __LINE__)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view crt = in.substr(0, nul);
  std::string_view key = nul == std::string_view::npos ? in : in.substr(nul + 1);
  // A fixed instant (2030-03-17), so that runs are reproducible; the seeds are valid then.
  const auto now = std::chrono::system_clock::from_time_t(1900000000);

  auto r = waygate::tls::Certificate::FromSecretData(crt, key, now, "fuzz/secret");
  Check(ERR_peek_error() == 0);
  if (r.ok()) {
    const auto& c = **r;
    Check(c.leaf() != nullptr && c.key() != nullptr);
    Check(X509_check_private_key(c.leaf(), c.key()) == 1);
    Check(c.not_before() <= now && now <= c.not_after());
    for (const auto& n : c.dns_names()) {
      Check(!n.empty() && n.back() != '.');
      for (char ch : n) Check(!(ch >= 'A' && ch <= 'Z'));
      Check(c.Covers(n) || n.find('*') != std::string::npos);
    }
  } else {
    Check(!r.error().message.empty());
    Check(r.error().field == "data[tls.crt]" || r.error().field == "data[tls.key]");
  }
  ERR_clear_error();
  return 0;
}
