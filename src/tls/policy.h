// Gateway-wide TLS policy: typed values only. User text from the ingress-nginx ConfigMap keys
// `ssl-protocols` and `ssl-ciphers` becomes a TlsPolicy through the parsers below or not at all.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace waygate::tls {

// A contiguous range of protocol versions (OpenSSL constants, e.g. TLS1_2_VERSION).
struct TlsProtocols {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  bool operator==(const TlsProtocols&) const = default;
};

// `ssl-protocols`: space-separated names among TLSv1 TLSv1.1 TLSv1.2 TLSv1.3 (ingress-nginx's
// spelling; its default is "TLSv1.2 TLSv1.3"). TLSv1 and TLSv1.1 are honoured only because the
// user named them, as ingress-nginx does; like ingress-nginx >= 1.7 on OpenSSL 3 they also need
// "@SECLEVEL=0" in ssl-ciphers to ever complete. SSLv2/SSLv3 are refused (kUnsupported: OpenSSL
// 3 has no implementation), unknown words and gaps ("TLSv1 TLSv1.3") are kInvalid.
Result<TlsProtocols> ParseSslProtocols(std::string_view text);

// An OpenSSL cipher string for TLS 1.2 and below (TLS 1.3 suites are OpenSSL's defaults, as in
// nginx), known to be accepted by SSL_CTX_set_cipher_list.
class CipherList {
 public:
  // Mozilla "intermediate" (guidelines v5.7), the default.
  static CipherList MozillaIntermediate();
  // `ssl-ciphers`: only the cipher-string alphabet (letters, digits and - _ . : , + ! @ = space),
  // at most 2048 bytes, and OpenSSL must select at least one cipher from it.
  static Result<CipherList> Parse(std::string_view text);
  const std::string& text() const { return text_; }
  bool operator==(const CipherList&) const = default;

 private:
  explicit CipherList(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

struct TlsPolicy {
  TlsProtocols protocols;
  CipherList tls12_ciphers = CipherList::MozillaIntermediate();
  // Key exchange groups, Mozilla intermediate.
  static constexpr const char* kGroups = "X25519:prime256v1:secp384r1";
  // ALPN: "h2" then "http/1.1"; false offers only "http/1.1" (a client offering neither is
  // served without ALPN, i.e. HTTP/1.1).
  bool offer_h2 = true;
  // Session cache entries per front context, and the lifetime of cached sessions and tickets
  // (Mozilla: ssl_session_timeout 1d).
  long session_cache_size = 20000;
  std::chrono::seconds session_timeout{24 * 3600};
};

}  // namespace waygate::tls
