#include "pki/ossl.h"

#include <openssl/err.h>

namespace waygate::pki {

std::string TakeOpenSslErrors(const char* fallback) {
  std::string out;
  char buf[256];
  while (unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string(fallback) : out;
}

}  // namespace waygate::pki
