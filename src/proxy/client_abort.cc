// A client that resets its connection while its exchange waits for the upstream: the exchange
// ends now (logged 499, upstream connection closed) instead of when the upstream answers, as
// nginx ends it (proxy_ignore_client_abort off). Besides the upstream work saved, this is what
// gives a limit-connections slot back when a client gives up on a slow request.
//
// Only a reset (or another socket error) counts: a client that half-closes after its request
// (FIN) still gets its response.
#include <errno.h>
#include <sys/socket.h>

#include "proxy/session.h"

namespace waygate::proxy {

bool Session::DownstreamReset() {
  if (stream_mode_ || fd_ < 0) return false;  // HTTP/2 streams: AbortStream handles resets
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) return true;
  char byte;
  ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

}  // namespace waygate::proxy
