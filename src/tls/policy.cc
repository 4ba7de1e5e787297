#include "tls/policy.h"

#include <openssl/err.h>

#include <array>
#include <memory>

namespace waygate::tls {
namespace {

constexpr char kIntermediate[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr size_t kMaxCipherString = 2048;

bool CipherChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':' || c == ',' || c == '+' || c == '!' || c == '@' ||
         c == '=' || c == ' ';
}

}  // namespace

Result<TlsProtocols> ParseSslProtocols(std::string_view text) {
  // Index i stands for TLS 1.i; OpenSSL's constants are 0x0301 + i.
  static constexpr std::array<std::string_view, 4> kNames = {"TLSv1", "TLSv1.1", "TLSv1.2",
                                                             "TLSv1.3"};
  bool seen[4] = {};
  size_t pos = 0;
  bool any = false;
  while (pos < text.size()) {
    if (text[pos] == ' ' || text[pos] == '\t') {
      ++pos;
      continue;
    }
    size_t end = text.find_first_of(" \t", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    pos = end;
    bool known = false;
    for (size_t i = 0; i < kNames.size(); ++i) {
      if (word == kNames[i]) seen[i] = known = true;
    }
    if (known) {
      any = true;
      continue;
    }
    std::string shown(word.substr(0, 32));
    if (word == "SSLv2" || word == "SSLv3") {
      return MakeError(ErrorCode::kUnsupported,
                       shown + " is broken and not supported; use TLSv1.2 TLSv1.3",
                       "ssl-protocols");
    }
    return MakeError(
        ErrorCode::kInvalid,
        "unknown protocol \"" + shown + "\" (expected TLSv1, TLSv1.1, TLSv1.2, " + "TLSv1.3)",
        "ssl-protocols");
  }
  if (!any) return MakeError(ErrorCode::kInvalid, "names no protocol", "ssl-protocols");
  int lo = 0;
  while (!seen[lo]) ++lo;
  int hi = 3;
  while (!seen[hi]) --hi;
  for (int i = lo; i <= hi; ++i) {
    if (!seen[i]) {
      return MakeError(ErrorCode::kInvalid,
                       "protocols must form a contiguous range (missing " +
                           std::string(kNames[static_cast<size_t>(i)]) + ")",
                       "ssl-protocols");
    }
  }
  return TlsProtocols{TLS1_VERSION + lo, TLS1_VERSION + hi};
}

CipherList CipherList::MozillaIntermediate() { return CipherList(kIntermediate); }

Result<CipherList> CipherList::Parse(std::string_view text) {
  if (text.empty() || text.size() > kMaxCipherString) {
    return MakeError(ErrorCode::kInvalid, "must be 1 to 2048 characters", "ssl-ciphers");
  }
  for (char c : text) {
    if (!CipherChar(c)) {
      return MakeError(ErrorCode::kInvalid, "character outside the OpenSSL cipher-string alphabet",
                       "ssl-ciphers");
    }
  }
  std::string s(text);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()),
                                                        &SSL_CTX_free);
  if (!ctx) return MakeError(ErrorCode::kInternal, "SSL_CTX_new failed", "ssl-ciphers");
  if (SSL_CTX_set_cipher_list(ctx.get(), s.c_str()) != 1) {
    ERR_clear_error();
    return MakeError(ErrorCode::kInvalid, "OpenSSL selects no cipher from \"" + s + "\"",
                     "ssl-ciphers");
  }
  return CipherList(std::move(s));
}

}  // namespace waygate::tls
