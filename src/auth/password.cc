#include "auth/password.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <memory>
#include <string>

namespace waygate::auth {
namespace {

constexpr size_t kMaxPasswordBytes = 72;  // bcrypt ignores every byte past the 72nd
constexpr size_t kBcryptLength = 60;      // "$2b$NN$" + 22 salt + 31 hash
constexpr size_t kSaltBytes = 16;

constexpr std::string_view kCryptAlphabet =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// 32 KiB of libxcrypt scratch per thread, reused: hashing runs on API connection threads.
crypt_data* Scratch() {
  thread_local std::unique_ptr<crypt_data> scratch;
  if (scratch == nullptr) scratch = std::make_unique<crypt_data>();
  return scratch.get();
}

bool UsablePassword(std::string_view password) {
  // crypt(3) reads a C string: a NUL would silently cut the password short.
  return !password.empty() && password.size() <= kMaxPasswordBytes &&
         password.find('\0') == std::string_view::npos;
}

// crypt_rn of `password` with `setting` (a whole hash works as its own setting); empty on
// failure. The scratch holds the phrase afterwards, so it is wiped.
std::string Crypt(std::string_view password, const std::string& setting) {
  std::string phrase(password);
  crypt_data* data = Scratch();
  const char* out =
      crypt_rn(phrase.c_str(), setting.c_str(), data, static_cast<int>(sizeof(crypt_data)));
  std::string result;
  if (out != nullptr && out[0] != '*') result = out;
  OPENSSL_cleanse(phrase.data(), phrase.size());
  OPENSSL_cleanse(data, sizeof(crypt_data));
  return result;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, int cost) {
  if (password.empty()) return MakeError(ErrorCode::kInvalid, "password must not be empty");
  if (password.size() > kMaxPasswordBytes) {
    return MakeError(ErrorCode::kInvalid, "password must not be longer than 72 bytes");
  }
  if (password.find('\0') != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalid, "password must not contain a NUL byte");
  }
  if (cost < 4 || cost > 31) {
    return MakeError(ErrorCode::kInvalid, "bcrypt cost must be between 4 and 31");
  }
  unsigned char random[kSaltBytes];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return MakeError(ErrorCode::kInternal, "no random bytes for a password salt");
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost),
                       reinterpret_cast<const char*>(random), sizeof(random), setting,
                       sizeof(setting)) == nullptr) {
    return MakeError(ErrorCode::kInternal, "libcrypt refused to make a bcrypt salt");
  }
  std::string hash = Crypt(password, setting);
  if (!IsBcryptHash(hash)) return MakeError(ErrorCode::kInternal, "libcrypt failed to hash");
  return hash;
}

bool VerifyPassword(std::string_view password, std::string_view hash) {
  if (!UsablePassword(password) || !IsBcryptHash(hash)) return false;
  std::string computed = Crypt(password, std::string(hash));
  return computed.size() == hash.size() &&
         CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

bool IsBcryptHash(std::string_view text) {
  if (text.size() != kBcryptLength) return false;
  std::string_view magic = text.substr(0, 4);
  if (magic != "$2a$" && magic != "$2b$" && magic != "$2y$") return false;
  char tens = text[4];
  char ones = text[5];
  if (tens < '0' || tens > '9' || ones < '0' || ones > '9' || text[6] != '$') return false;
  int cost = (tens - '0') * 10 + (ones - '0');
  if (cost < 4 || cost > 31) return false;
  return text.substr(7).find_first_not_of(kCryptAlphabet) == std::string_view::npos;
}

}  // namespace waygate::auth
