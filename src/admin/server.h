// The admin HTTP server of a gateway node: /healthz, /readyz, /metrics on its own thread.
// Not the data path: one thread, one poll() set, small bounded buffers, every wait timed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>

#include "admin/respond.h"
#include "base/result.h"
#include "net/address.h"

namespace waygate::admin {

struct Options {
  // A connection that makes no progress (no bytes in or out) for this long is closed, so a
  // stuck client cannot hold a slot forever; idle keep-alive connections go the same way.
  std::chrono::milliseconds idle_timeout{10000};
  // Connections beyond this are accepted and closed at once (the health prober will retry).
  size_t max_clients = 64;
};

class Server {
 public:
  // Binds `listen` (port 0 picks a free port; see address()) and starts the admin thread.
  static Result<std::unique_ptr<Server>> Start(const net::Address& listen, Handlers handlers,
                                               Options options = {});
  ~Server();  // stops the thread, joins it, closes every socket

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  const net::Address& address() const { return address_; }  // the bound address

 private:
  Server(int listen_fd, int wake_fd, net::Address address, Handlers handlers, Options options);
  void Run();

  const int listen_fd_;
  const int wake_fd_;  // eventfd: the destructor writes it to end poll() at once
  const net::Address address_;
  const Handlers handlers_;
  const Options options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace waygate::admin
