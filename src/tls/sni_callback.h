// The glue between a front SSL_CTX (server_context.h) and the current SniIndex: during the
// ClientHello, OpenSSL's servername callback looks the SNI name up and moves the connection to
// the chosen certificate's SSL_CTX (SSL_set_SSL_CTX). The data plane swaps indexes by attaching
// a different one to the next connection, e.g. the one a SnapshotCell<SniIndex> holds.
#pragma once

#include <openssl/ssl.h>

#include "tls/sni_index.h"

namespace waygate::tls {

// Once per front context, before SSL_new() on it.
void InstallSniCallback(SSL_CTX* front);

// Once per connection, before its handshake. The caller keeps `index` alive until the handshake
// has finished (holding the shared_ptr it loaded); after that the SSL only holds a reference to
// the chosen SSL_CTX, never to the index. Without an index the handshake fails with an
// internal_error alert. Returns false if OpenSSL could not store the pointer.
bool AttachSniIndex(SSL* ssl, const SniIndex* index);

}  // namespace waygate::tls
