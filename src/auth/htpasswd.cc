#include "auth/htpasswd.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace waygate::auth {
namespace {

enum class Scheme : uint8_t { kCrypt, kApr1, kSha1 };

struct Entry {
  Scheme scheme = Scheme::kCrypt;
  std::string hash;  // as written; for kSha1 the 20 raw digest bytes
};

constexpr std::string_view kCryptAlphabet =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool AllCryptChars(std::string_view s) {
  for (char c : s) {
    if (kCryptAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// RFC 4648 base64 with '=' padding optional; nothing else (no whitespace) accepted.
bool DecodeBase64(std::string_view in, std::string& out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

bool Digest(const EVP_MD* md, std::string_view data, unsigned char* out) {
  unsigned int len = 0;
  return EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) == 1;
}

bool Digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Syntax of each accepted hash, checked at load so that a broken Secret is reported then (and
// the route fails closed) rather than on every request. Hashing a probe password here instead
// would cost a bcrypt computation per user on the sync thread.
bool ValidBcrypt(std::string_view h) {
  // $2y$NN$ + 22 characters of salt + 31 of hash.
  if (h.size() != 60 || h[3] != '$' || h[6] != '$' || !Digits(h.substr(4, 2))) return false;
  int cost = (h[4] - '0') * 10 + (h[5] - '0');
  return cost >= 4 && cost <= 31 && AllCryptChars(h.substr(7));
}

bool ValidShaCrypt(std::string_view h, size_t digest_chars) {
  std::string_view rest = h.substr(3);
  if (rest.substr(0, 7) == "rounds=") {
    size_t end = rest.find('$');
    if (end == std::string_view::npos || !Digits(rest.substr(7, end - 7)) || end - 7 > 9) {
      return false;
    }
    rest.remove_prefix(end + 1);
  }
  size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos || dollar > 16) return false;
  std::string_view salt = rest.substr(0, dollar);
  std::string_view digest = rest.substr(dollar + 1);
  return AllCryptChars(salt) && digest.size() == digest_chars && AllCryptChars(digest);
}

bool ValidMd5Crypt(std::string_view h, size_t magic_len) {
  std::string_view rest = h.substr(magic_len);
  size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos || dollar > 8) return false;
  std::string_view digest = rest.substr(dollar + 1);
  return digest.size() == 22 && AllCryptChars(digest) &&
         rest.substr(0, dollar).find_first_of(":\r\n") == std::string_view::npos;
}

// The scheme of a stored hash, or false for plain text and schemes we do not take.
bool Classify(std::string_view hash, Entry& entry, std::string& why) {
  entry.hash.assign(hash);
  if (hash.substr(0, 4) == "$2y$" || hash.substr(0, 4) == "$2b$" || hash.substr(0, 4) == "$2a$") {
    entry.scheme = Scheme::kCrypt;
    if (ValidBcrypt(hash)) return true;
    why = "malformed bcrypt hash";
    return false;
  }
  if (hash.substr(0, 3) == "$5$" || hash.substr(0, 3) == "$6$") {
    entry.scheme = Scheme::kCrypt;
    if (ValidShaCrypt(hash, hash[1] == '5' ? 43 : 86)) return true;
    why = "malformed SHA-crypt hash";
    return false;
  }
  if (hash.substr(0, 3) == "$1$") {  // MD5-crypt: nginx takes it through crypt(3) too
    entry.scheme = Scheme::kCrypt;
    if (ValidMd5Crypt(hash, 3)) return true;
    why = "malformed MD5-crypt hash";
    return false;
  }
  if (hash.substr(0, 6) == "$apr1$") {
    entry.scheme = Scheme::kApr1;
    if (ValidMd5Crypt(hash, 6)) return true;
    why = "malformed apr1 hash";
    return false;
  }
  if (hash.substr(0, 5) == "{SHA}") {
    entry.scheme = Scheme::kSha1;
    if (DecodeBase64(hash.substr(5), entry.hash) && entry.hash.size() == 20) return true;
    why = "malformed {SHA} hash";
    return false;
  }
  why = "unsupported password hash (plain text or an unknown scheme)";
  return false;
}

// Apache's apr1: MD5-crypt with the magic "$apr1$". Returns the whole "$apr1$salt$digest".
std::string Apr1(std::string_view password, std::string_view setting) {
  constexpr std::string_view kMagic = "$apr1$";
  std::string_view salt = setting.substr(kMagic.size());
  salt = salt.substr(0, std::min<size_t>(salt.find('$'), 8));

  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return {};
  const EVP_MD* md5 = EVP_md5();
  unsigned char alt[16];
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, md5, nullptr);
  EVP_DigestUpdate(ctx, password.data(), password.size());
  EVP_DigestUpdate(ctx, salt.data(), salt.size());
  EVP_DigestUpdate(ctx, password.data(), password.size());
  EVP_DigestFinal_ex(ctx, alt, &len);

  EVP_DigestInit_ex(ctx, md5, nullptr);
  EVP_DigestUpdate(ctx, password.data(), password.size());
  EVP_DigestUpdate(ctx, kMagic.data(), kMagic.size());
  EVP_DigestUpdate(ctx, salt.data(), salt.size());
  for (size_t left = password.size(); left > 0; left -= std::min<size_t>(left, 16)) {
    EVP_DigestUpdate(ctx, alt, std::min<size_t>(left, 16));
  }
  const unsigned char zero = 0;
  for (size_t i = password.size(); i != 0; i >>= 1) {
    EVP_DigestUpdate(ctx, (i & 1) ? &zero : reinterpret_cast<const unsigned char*>(password.data()),
                     1);
  }
  unsigned char final_digest[16];
  EVP_DigestFinal_ex(ctx, final_digest, &len);

  // 1000 rounds whose only purpose is to be slow.
  for (int i = 0; i < 1000; ++i) {
    EVP_DigestInit_ex(ctx, md5, nullptr);
    if (i & 1) {
      EVP_DigestUpdate(ctx, password.data(), password.size());
    } else {
      EVP_DigestUpdate(ctx, final_digest, 16);
    }
    if (i % 3) EVP_DigestUpdate(ctx, salt.data(), salt.size());
    if (i % 7) EVP_DigestUpdate(ctx, password.data(), password.size());
    if (i & 1) {
      EVP_DigestUpdate(ctx, final_digest, 16);
    } else {
      EVP_DigestUpdate(ctx, password.data(), password.size());
    }
    EVP_DigestFinal_ex(ctx, final_digest, &len);
  }
  EVP_MD_CTX_free(ctx);

  std::string out(kMagic);
  out.append(salt);
  out.push_back('$');
  auto put = [&out](uint32_t v, int chars) {
    while (chars-- > 0) {
      out.push_back(kCryptAlphabet[v & 0x3f]);
      v >>= 6;
    }
  };
  const unsigned char* f = final_digest;
  put((uint32_t{f[0]} << 16) | (uint32_t{f[6]} << 8) | f[12], 4);
  put((uint32_t{f[1]} << 16) | (uint32_t{f[7]} << 8) | f[13], 4);
  put((uint32_t{f[2]} << 16) | (uint32_t{f[8]} << 8) | f[14], 4);
  put((uint32_t{f[3]} << 16) | (uint32_t{f[9]} << 8) | f[15], 4);
  put((uint32_t{f[4]} << 16) | (uint32_t{f[10]} << 8) | f[5], 4);
  put(f[11], 2);
  return out;
}

bool SameBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool CheckPassword(const Entry& entry, std::string_view password) {
  switch (entry.scheme) {
    case Scheme::kSha1: {
      unsigned char digest[20];
      if (!Digest(EVP_sha1(), password, digest)) return false;
      return SameBytes(std::string_view(reinterpret_cast<char*>(digest), 20), entry.hash);
    }
    case Scheme::kApr1:
      return SameBytes(Apr1(password, entry.hash), entry.hash);
    case Scheme::kCrypt: {
      // crypt(3) reads a C string: a password with a NUL in it would be checked truncated.
      if (password.find('\0') != std::string_view::npos) return false;
      // 32 KiB of scratch per thread, reused (crypt_rn needs no initialisation).
      thread_local std::unique_ptr<crypt_data> scratch;
      if (scratch == nullptr) scratch = std::make_unique<crypt_data>();
      std::string phrase(password);
      const char* out = crypt_rn(phrase.c_str(), entry.hash.c_str(), scratch.get(),
                                 static_cast<int>(sizeof(crypt_data)));
      bool ok = out != nullptr && out[0] != '*' && SameBytes(out, entry.hash);
      OPENSSL_cleanse(phrase.data(), phrase.size());
      return ok;
    }
  }
  return false;
}

// "Basic <base64>" (scheme case-insensitive, RFC 7617) -> "user:password".
bool DecodeBasic(std::string_view header, std::string& decoded) {
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) {
    header.remove_prefix(1);
  }
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) {
    header.remove_suffix(1);
  }
  if (header.size() < 6) return false;
  static constexpr char kBasic[] = "basic";
  for (size_t i = 0; i < 5; ++i) {
    if ((header[i] | 0x20) != kBasic[i]) return false;
  }
  if (header[5] != ' ') return false;
  header.remove_prefix(6);
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  if (header.empty() || header.size() > 4096) return false;
  return DecodeBase64(header, decoded);
}

}  // namespace

struct Htpasswd::Impl {
  std::unordered_map<std::string, Entry> users;

  // Successful verifications, by SHA-256 of the Authorization value: direct-mapped, so the
  // memory is fixed (kCacheSlots * 32 bytes) and a new entry simply replaces an old one.
  static constexpr size_t kCacheSlots = 256;
  using Key = std::array<unsigned char, 32>;
  mutable std::mutex mu;
  mutable std::vector<Key> cache;  // allocated on the first success
  mutable std::vector<bool> used;

  bool Add(std::string_view user, std::string_view hash, std::string& why) {
    if (user.empty()) {
      why = "empty user name";
      return false;
    }
    if (user.find_first_of(":\r\n") != std::string_view::npos) {
      why = "user name with ':' or a line break";
      return false;
    }
    Entry entry;
    if (!Classify(hash, entry, why)) return false;
    users.emplace(std::string(user), std::move(entry));  // the first line of a user wins
    return true;
  }

  bool Cached(const Key& key) const {
    std::lock_guard<std::mutex> lock(mu);
    if (cache.empty()) return false;
    size_t slot = key[0] % kCacheSlots;
    return used[slot] && CRYPTO_memcmp(cache[slot].data(), key.data(), key.size()) == 0;
  }

  void Remember(const Key& key) const {
    std::lock_guard<std::mutex> lock(mu);
    if (cache.empty()) {
      cache.resize(kCacheSlots);
      used.assign(kCacheSlots, false);
    }
    size_t slot = key[0] % kCacheSlots;
    cache[slot] = key;
    used[slot] = true;
  }
};

Htpasswd::Htpasswd() : impl_(std::make_unique<Impl>()) {}
Htpasswd::~Htpasswd() = default;

Result<std::shared_ptr<const Htpasswd>> Htpasswd::FromAuthFile(std::string_view content) {
  std::shared_ptr<Htpasswd> h(new Htpasswd());
  size_t line_no = 0;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    size_t colon = line.find(':');
    std::string why;
    if (colon == std::string_view::npos) {
      why = "expected user:hash";
    } else if (h->impl_->Add(line.substr(0, colon), line.substr(colon + 1), why)) {
      continue;
    }
    return MakeError(ErrorCode::kInvalid, "auth file line " + std::to_string(line_no) + ": " + why);
  }
  return std::shared_ptr<const Htpasswd>(std::move(h));
}

Result<std::shared_ptr<const Htpasswd>> Htpasswd::FromAuthMap(
    const std::map<std::string, std::string>& data) {
  std::shared_ptr<Htpasswd> h(new Htpasswd());
  for (const auto& [user, hash] : data) {
    std::string why;
    std::string_view value = hash;
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.remove_suffix(1);
    if (!h->impl_->Add(user, value, why)) {
      return MakeError(ErrorCode::kInvalid, "auth map user \"" + user + "\": " + why);
    }
  }
  return std::shared_ptr<const Htpasswd>(std::move(h));
}

bool Htpasswd::Verify(std::string_view authorization) const {
  std::string decoded;
  if (!DecodeBasic(authorization, decoded)) return false;
  Impl::Key key;
  if (!Digest(EVP_sha256(), authorization, key.data())) return false;
  bool ok = false;
  if (impl_->Cached(key)) {
    ok = true;
  } else if (size_t colon = decoded.find(':'); colon != std::string::npos) {
    auto it = impl_->users.find(decoded.substr(0, colon));
    if (it != impl_->users.end() &&
        CheckPassword(it->second, std::string_view(decoded).substr(colon + 1))) {
      impl_->Remember(key);
      ok = true;
    }
  }
  OPENSSL_cleanse(decoded.data(), decoded.size());
  return ok;
}

size_t Htpasswd::user_count() const { return impl_->users.size(); }

}  // namespace waygate::auth
