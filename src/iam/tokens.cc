#include "iam/tokens.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"

namespace waygate::iam {
namespace {

using Clock = TokenStore::Clock;

constexpr std::string_view kTokenMagic = "wg_";
constexpr size_t kRandomBytes = 32;
constexpr size_t kEncodedBytes = 43;  // base64url of 32 bytes, unpadded
constexpr std::chrono::seconds kDefaultTtl{2 * 3600};
constexpr size_t kMaxCached = 10000;
constexpr int64_t kPageSize = 500;

std::string Base64Url(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < size; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

// Only strings Issue can have produced reach the hash: an oversized or foreign bearer value is
// refused without work.
bool WellFormed(std::string_view token) {
  if (token.size() != kTokenMagic.size() + kEncodedBytes || token.substr(0, 3) != kTokenMagic) {
    return false;
  }
  for (char c : token.substr(kTokenMagic.size())) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> HexSha256(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    return std::nullopt;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string Rfc3339(Clock::time_point t) {
  std::time_t secs = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Exactly what Rfc3339 writes ("2026-11-27T15:04:05Z"); nullopt for anything else.
std::optional<Clock::time_point> ParseRfc3339(std::string_view text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len, int& out) {
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  std::tm tm{};
  if (!num(0, 4, tm.tm_year) || !num(5, 2, tm.tm_mon) || !num(8, 2, tm.tm_mday) ||
      !num(11, 2, tm.tm_hour) || !num(14, 2, tm.tm_min) || !num(17, 2, tm.tm_sec)) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return Clock::from_time_t(timegm(&tm));
}

struct Record {
  std::string user;
  Clock::time_point expires;
};

std::optional<Record> ParseRecord(std::string_view value) {
  nlohmann::json j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto user = j.find("user");
  auto expires = j.find("expires");
  if (user == j.end() || !user->is_string() || expires == j.end() || !expires->is_string()) {
    return std::nullopt;
  }
  auto when = ParseRfc3339(expires->get<std::string>());
  if (!when) return std::nullopt;
  return Record{user->get<std::string>(), *when};
}

Error Unauthorized() {
  // base/result.h has no kUnauthorized: kNotFound ("no such token") is what the API server
  // maps to 401 here; kIo and kInternal stay store failures.
  return MakeError(ErrorCode::kNotFound, "invalid or expired token");
}

// Calls `visit` for every stored token record, page by page at the latest revision.
Status ForEachToken(store::Store* store,
                    const std::function<Status(const store::KeyValue&)>& visit) {
  std::string after;
  while (true) {
    auto page = store->Range(kTokenPrefix, after, kPageSize, 0);
    if (!page.ok()) return page.error();
    for (const auto& kv : page->kvs) {
      Status s = visit(kv);
      if (!s.ok()) return s;
    }
    if (!page->more || page->kvs.empty()) return OkStatus();
    after = page->kvs.back().key;
  }
}

// Deletes one record, treating "already gone" as done: revocation is idempotent.
Status DeleteKey(store::Store* store, const std::string& key, int64_t mod_revision) {
  auto deleted = store->Delete(key, mod_revision);
  if (deleted.ok() || deleted.error().code == ErrorCode::kNotFound) return OkStatus();
  return deleted.error();
}

}  // namespace

TokenStore::TokenStore(store::Store* store) : store_(store), now_([] { return Clock::now(); }) {}

void TokenStore::SetClockForTesting(std::function<Clock::time_point()> now) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = std::move(now);
}

Result<IssuedToken> TokenStore::Issue(std::string_view user, std::chrono::seconds ttl,
                                      std::string_view description) {
  if (user.empty()) return MakeError(ErrorCode::kInvalid, "a token needs a user");
  if (ttl.count() < 0) return MakeError(ErrorCode::kInvalid, "token lifetime must not be negative");
  if (ttl.count() == 0) ttl = kDefaultTtl;

  unsigned char random[kRandomBytes];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return MakeError(ErrorCode::kInternal, "no random bytes for a token");
  }
  IssuedToken issued;
  issued.token = std::string(kTokenMagic) + Base64Url(random, sizeof(random));
  issued.user = std::string(user);
  auto hash = HexSha256(issued.token);
  if (!hash) return MakeError(ErrorCode::kInternal, "SHA-256 failed");

  Clock::time_point now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    now = now_();
  }
  // Whole seconds, so the stored RFC 3339 expiry and the returned one are the same instant.
  auto issued_at = std::chrono::time_point_cast<std::chrono::seconds>(now);
  issued.expires = issued_at + ttl;

  nlohmann::json record = {{"user", issued.user},
                           {"issued", Rfc3339(issued_at)},
                           {"expires", Rfc3339(issued.expires)},
                           {"description", std::string(description)}};
  std::string value = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto created = store_->Create(std::string(kTokenPrefix) + *hash, value);
  if (!created.ok()) return created.error();
  return issued;
}

Result<std::string> TokenStore::Lookup(std::string_view token) {
  if (!WellFormed(token)) return Unauthorized();
  auto hash = HexSha256(token);
  if (!hash) return MakeError(ErrorCode::kInternal, "SHA-256 failed");

  auto fresh = std::chrono::steady_clock::now();
  Clock::time_point now;
  uint64_t revocations = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    now = now_();
    revocations = revocations_;
    auto it = cache_.find(*hash);
    if (it != cache_.end()) {
      if (fresh - it->second.cached_at < kCacheTtl && now < it->second.expires) {
        return it->second.user;
      }
      cache_.erase(it);
    }
  }

  auto got = store_->Get(std::string(kTokenPrefix) + *hash);
  if (!got.ok()) return got.error();
  if (got->kvs.empty()) return Unauthorized();
  auto record = ParseRecord(got->kvs.front().value);
  if (!record) {
    log::Warn("iam: unreadable token record in the store; refusing it");
    return Unauthorized();
  }
  if (now >= record->expires) return Unauthorized();

  std::lock_guard<std::mutex> lock(mu_);
  if (revocations != revocations_) return record->user;  // may be revoked by now: no caching
  if (cache_.size() >= kMaxCached) {
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = fresh - it->second.cached_at >= kCacheTtl ? cache_.erase(it) : std::next(it);
    }
    // Still full of live entries (a burst of distinct tokens): make room with any of them; a
    // dropped entry only costs its next lookup a store read.
    if (cache_.size() >= kMaxCached) cache_.erase(cache_.begin());
  }
  cache_[*hash] = Cached{record->user, record->expires, fresh};
  return record->user;
}

Status TokenStore::Revoke(std::string_view token) {
  if (!WellFormed(token)) return OkStatus();  // never issued, so nothing to remove
  auto hash = HexSha256(token);
  if (!hash) return MakeError(ErrorCode::kInternal, "SHA-256 failed");
  Status deleted = DeleteKey(store_, std::string(kTokenPrefix) + *hash, 0);
  std::lock_guard<std::mutex> lock(mu_);
  ++revocations_;
  cache_.erase(*hash);
  return deleted;
}

Status TokenStore::RevokeUser(std::string_view user) {
  Status deleted = ForEachToken(store_, [&](const store::KeyValue& kv) -> Status {
    auto record = ParseRecord(kv.value);
    if (!record || record->user != user) return OkStatus();
    return DeleteKey(store_, kv.key, kv.mod_revision);
  });
  // After the deletes, so that no lookup racing them re-caches a token (see revocations_).
  std::lock_guard<std::mutex> lock(mu_);
  ++revocations_;
  for (auto it = cache_.begin(); it != cache_.end();) {
    it = it->second.user == user ? cache_.erase(it) : std::next(it);
  }
  return deleted;
}

Result<size_t> TokenStore::Sweep() {
  Clock::time_point now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    now = now_();
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = now >= it->second.expires ? cache_.erase(it) : std::next(it);
    }
  }
  size_t removed = 0;
  Status s = ForEachToken(store_, [&](const store::KeyValue& kv) -> Status {
    auto record = ParseRecord(kv.value);
    // An unreadable record can never authenticate anyone: it goes too.
    if (record && now < record->expires) return OkStatus();
    auto deleted = store_->Delete(kv.key, kv.mod_revision);
    if (deleted.ok()) {
      ++removed;
      return OkStatus();
    }
    if (deleted.error().code == ErrorCode::kNotFound) return OkStatus();  // raced a Revoke
    return deleted.error();
  });
  if (!s.ok()) return s.error();
  return removed;
}

}  // namespace waygate::iam
