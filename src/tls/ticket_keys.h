// Session ticket keys shared by every SSL_CTX of every worker, so a ticket issued on one worker
// resumes on any other. The current key encrypts new tickets; the previous kSlots-1 keys still
// decrypt (and ask OpenSSL to issue a fresh ticket under the current key).
//
// Threads: Rotate() on the control thread (callers serialise it; a timer every
// session_timeout / (kSlots - 1) keeps every live ticket decryptable). Handshakes read the keys
// through a sequence lock: readers never block and never take a lock, a rotation racing with a
// read makes that read retry.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "base/result.h"

namespace waygate::tls {

class TicketKeys {
 public:
  static constexpr size_t kSlots = 3;
  struct Key {
    std::array<uint8_t, 16> name{};
    std::array<uint8_t, 32> aes{};   // AES-256-CBC
    std::array<uint8_t, 32> hmac{};  // HMAC-SHA256
  };
  struct Set {
    std::array<Key, kSlots> keys;  // keys[0] is current, then older ones
    size_t count = 0;
  };

  // With one random current key.
  static Result<std::shared_ptr<TicketKeys>> Create();

  // Draws a new random current key; the oldest falls out.
  Status Rotate();
  // Installs `key` as current (for keys distributed from elsewhere).
  void Push(const Key& key);

  // Handshake path: a consistent copy of the keys.
  Set Read() const;
  std::array<uint8_t, 16> current_name() const { return Read().keys[0].name; }

 private:
  static constexpr size_t kWords = sizeof(Key) / sizeof(uint64_t);
  static_assert(sizeof(Key) % sizeof(uint64_t) == 0);

  TicketKeys() = default;

  std::mutex writer_;  // serialises writers only; readers never touch it
  std::atomic<uint64_t> seq_{0};
  std::atomic<uint64_t> count_{0};
  std::array<std::array<std::atomic<uint64_t>, kWords>, kSlots> words_{};
};

}  // namespace waygate::tls
