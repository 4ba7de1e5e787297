// The echo backend behind `waygate echo`: answers every request with JSON describing it.
// A test and demo tool, not the data path: each connection gets a thread and blocking I/O,
// which keeps delays, streaming and the WebSocket echo trivially correct.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "echo/connection.h"
#include "net/address.h"

namespace waygate::echo {

class Server {
 public:
  // Binds `listen` (port 0 picks a free port; see address()). `threads` accept loops share the
  // listening socket; each accepted connection is then served on a thread of its own.
  static Result<std::unique_ptr<Server>> Start(const net::Address& listen, std::string name,
                                               int threads = 2);
  ~Server();  // stops accepting, ends every connection (delays included) and joins all threads

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  const net::Address& address() const { return address_; }  // the bound address

 private:
  struct Conn {
    std::thread thread;
    int fd = -1;  // -1 once the connection thread closed it
  };

  Server(int listen_fd, int wake_fd, net::Address address, std::string name);
  void AcceptLoop();
  void ServeAndRetire(int fd, uint64_t id);
  void ReapFinished();

  const int listen_fd_;
  const int wake_fd_;  // eventfd: written once by the destructor to end every accept loop
  const net::Address address_;
  Context ctx_;
  std::vector<std::thread> acceptors_;

  std::mutex mu_;
  std::map<uint64_t, Conn> conns_;  // guarded by mu_
  std::vector<uint64_t> finished_;  // guarded by mu_: threads done, waiting to be joined
};

}  // namespace waygate::echo
