#include "tls/ticket_keys.h"

#include <openssl/rand.h>

#include <cstring>

#include "pki/ossl.h"

namespace waygate::tls {

Result<std::shared_ptr<TicketKeys>> TicketKeys::Create() {
  std::shared_ptr<TicketKeys> keys(new TicketKeys());
  Status s = keys->Rotate();
  if (!s.ok()) return s.error();
  return keys;
}

Status TicketKeys::Rotate() {
  Key key;
  if (RAND_bytes(key.name.data(), key.name.size()) != 1 ||
      RAND_bytes(key.aes.data(), key.aes.size()) != 1 ||
      RAND_bytes(key.hmac.data(), key.hmac.size()) != 1) {
    return MakeError(ErrorCode::kInternal, "ticket key: " + pki::TakeOpenSslErrors());
  }
  Push(key);
  return OkStatus();
}

void TicketKeys::Push(const Key& key) {
  std::lock_guard<std::mutex> lock(writer_);
  Set set = Read();
  for (size_t i = kSlots - 1; i > 0; --i) set.keys[i] = set.keys[i - 1];
  set.keys[0] = key;
  set.count = std::min(set.count + 1, kSlots);

  // Sequence lock, writer side: odd while writing.
  seq_.fetch_add(1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (size_t s = 0; s < kSlots; ++s) {
    uint64_t w[kWords];
    std::memcpy(w, &set.keys[s], sizeof(Key));
    for (size_t i = 0; i < kWords; ++i) words_[s][i].store(w[i], std::memory_order_relaxed);
  }
  count_.store(set.count, std::memory_order_relaxed);
  seq_.fetch_add(1, std::memory_order_release);
}

TicketKeys::Set TicketKeys::Read() const {
  Set set;
  for (;;) {
    uint64_t before = seq_.load(std::memory_order_acquire);
    if (before & 1) continue;  // a writer is mid-update; it only copies ~250 bytes
    for (size_t s = 0; s < kSlots; ++s) {
      uint64_t w[kWords];
      for (size_t i = 0; i < kWords; ++i) w[i] = words_[s][i].load(std::memory_order_relaxed);
      std::memcpy(&set.keys[s], w, sizeof(Key));
    }
    set.count = static_cast<size_t>(count_.load(std::memory_order_relaxed));
    std::atomic_thread_fence(std::memory_order_acquire);
    if (seq_.load(std::memory_order_relaxed) == before) return set;
  }
}

}  // namespace waygate::tls
