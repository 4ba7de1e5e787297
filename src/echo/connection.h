// One downstream connection of the echo backend, served on its own thread with blocking I/O.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace waygate::echo {

// State every connection thread shares with the server.
class Context {
 public:
  explicit Context(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  // Waits `d` unless the server stops first; false when stopping.
  bool SleepFor(std::chrono::milliseconds d);
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  void Stop();

 private:
  const std::string name_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

// Serves requests on `fd` (blocking socket) until the peer closes, a request asks to close, a
// malformed request arrives or the server stops (it shuts the socket down to wake us). Does not
// close `fd`: the server owns it.
void ServeConnection(int fd, uint64_t connection_id, Context& ctx);

}  // namespace waygate::echo
