// ALPN for a server SSL_CTX: the server's protocols in its order of preference; the first one
// the client also offers is chosen, and a client offering none of them gets no ALPN (HTTP/1.1),
// as Go's net/http does. Shared by the API server's context and the gateway's TLS contexts.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "pki/ossl.h"

namespace waygate::pki {

// Empty `protocols`: no ALPN. The wire list lives as long as `ctx` (freed with it).
Status SetAlpn(SSL_CTX* ctx, const std::vector<std::string>& protocols);

}  // namespace waygate::pki
