#include "pki/pki.h"

#include <fcntl.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "pki/cert.h"
#include "pki/file_io.h"
#include "pki/token.h"

namespace waygate::pki {
namespace {

constexpr mode_t kSecretMode = 0600;
constexpr mode_t kPublicMode = 0644;
constexpr char kStagingPrefix[] = ".pki.tmp.";

struct LoadedPair {
  X509Ptr cert;
  EvpPkeyPtr key;
  std::string cert_pem;
  std::string key_pem;
};

struct IssuedPair {
  std::string cert_pem;
  std::string key_pem;
};

bool IsNotFound(const Error& e) { return e.code == ErrorCode::kNotFound; }

std::string Join(const std::string& dir, const char* name) { return dir + "/" + name; }

Result<IssuedPair> NewCa(const PkiOptions& options) {
  auto key = GenerateKey();
  if (!key) return key.error();
  auto cert = IssueCa(key->get(), options.ca_validity);
  if (!cert) return cert.error();
  auto cert_pem = CertToPem(cert->get());
  if (!cert_pem) return cert_pem.error();
  auto key_pem = KeyToPem(key->get());
  if (!key_pem) return key_pem.error();
  return IssuedPair{std::move(*cert_pem), std::move(*key_pem)};
}

Result<IssuedPair> NewServing(X509* ca, EVP_PKEY* ca_key, const SanSet& sans,
                              const PkiOptions& options) {
  auto key = GenerateKey();
  if (!key) return key.error();
  auto cert = IssueServingCert(ca, ca_key, key->get(), sans, options.serving_validity);
  if (!cert) return cert.error();
  auto cert_pem = CertToPem(cert->get());
  if (!cert_pem) return cert_pem.error();
  auto key_pem = KeyToPem(key->get());
  if (!key_pem) return key_pem.error();
  return IssuedPair{std::move(*cert_pem), std::move(*key_pem)};
}

// The key goes first: a crash between the two renames leaves a new key beside the old
// certificate, which the next start sees as a mismatch and re-issues.
Status WritePair(const IssuedPair& pair, const std::string& cert_path,
                 const std::string& key_path) {
  Status s = WriteFileAtomic(key_path, pair.key_pem, kSecretMode);
  if (!s.ok()) return s;
  return WriteFileAtomic(cert_path, pair.cert_pem, kPublicMode);
}

// Staging directories are only left behind by a crash during the very first start.
void RemoveStaleStaging(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (auto it = fs::directory_iterator(data_dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->path().filename().string().rfind(kStagingPrefix, 0) == 0) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
}

// The first start writes the whole pki/ directory under a temporary name and renames it into
// place, so a crash can never leave a CA certificate without its key (which a later start would
// have to refuse, because the CA is never regenerated once it exists).
Status CreateFreshPki(const std::string& data_dir, const PkiPaths& paths, const SanSet& sans,
                      const PkiOptions& options) {
  RemoveStaleStaging(data_dir);
  std::string staging = data_dir + "/" + kStagingPrefix + "XXXXXX";
  if (mkdtemp(staging.data()) == nullptr) {
    return MakeError(ErrorCode::kIo, "create directory " + staging + ": " + std::strerror(errno));
  }
  auto fail = [&](Error e) -> Status {
    std::error_code ignored;
    std::filesystem::remove_all(staging, ignored);
    return e;
  };
  auto ca = NewCa(options);
  if (!ca) return fail(ca.error());
  auto ca_cert = CertFromPem(ca->cert_pem, "new CA certificate");
  auto ca_key = KeyFromPem(ca->key_pem, "new CA key");
  if (!ca_cert) return fail(ca_cert.error());
  if (!ca_key) return fail(ca_key.error());
  auto serving = NewServing(ca_cert->get(), ca_key->get(), sans, options);
  if (!serving) return fail(serving.error());
  Status s = WritePair(*ca, Join(staging, "ca.crt"), Join(staging, "ca.key"));
  if (!s.ok()) return fail(s.error());
  s = WritePair(*serving, Join(staging, "apiserver.crt"), Join(staging, "apiserver.key"));
  if (!s.ok()) return fail(s.error());
  if (rename(staging.c_str(), paths.pki_dir.c_str()) != 0) {
    return fail(MakeError(ErrorCode::kIo, "rename " + staging + " to " + paths.pki_dir + ": " +
                                              std::strerror(errno)));
  }
  int fd = open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    return MakeError(ErrorCode::kIo, "fsync directory " + data_dir + ": " + std::strerror(err));
  }
  close(fd);
  return OkStatus();
}

// Both files present and parseable, or an error naming the file. `missing` receives the
// missing file's path instead of an error when the caller can recover from that.
Result<LoadedPair> LoadPair(const std::string& cert_path, const std::string& key_path,
                            std::string* missing) {
  auto cert_pem = ReadFile(cert_path);
  auto key_pem = ReadFile(key_path);
  for (auto* r : {&cert_pem, &key_pem}) {
    if (!*r && !(IsNotFound(r->error()) && missing != nullptr)) return r->error();
  }
  if (!cert_pem || !key_pem) {
    *missing = !cert_pem ? cert_path : key_path;
    return LoadedPair{};
  }
  auto cert = CertFromPem(*cert_pem, cert_path);
  if (!cert) return cert.error();
  auto key = KeyFromPem(*key_pem, key_path);
  if (!key) return key.error();
  return LoadedPair{std::move(*cert), std::move(*key), std::move(*cert_pem), std::move(*key_pem)};
}

Result<LoadedPair> LoadCa(const PkiPaths& paths) {
  auto ca = LoadPair(paths.ca_cert, paths.ca_key, nullptr);
  if (!ca) {
    Error e = ca.error();
    if (IsNotFound(e)) {
      e.message += " (the CA is never regenerated automatically: restore it, or remove " +
                   paths.pki_dir + " to start over with a new CA and new kubeconfigs)";
    }
    return e;
  }
  if (X509_check_private_key(ca->cert.get(), ca->key.get()) != 1) {
    TakeOpenSslErrors();
    return MakeError(ErrorCode::kInvalid,
                     paths.ca_key + ": key does not belong to " + paths.ca_cert);
  }
  if (X509_check_ca(ca->cert.get()) < 1) {
    return MakeError(ErrorCode::kInvalid, paths.ca_cert + ": not a CA certificate");
  }
  if (ExpiresWithin(ca->cert.get(), std::chrono::seconds(0))) {
    return MakeError(ErrorCode::kInvalid, paths.ca_cert + ": the CA certificate has expired");
  }
  return ca;
}

// Why the serving certificate on disk cannot be used as it is; empty when it can.
std::string ReasonToReissue(LoadedPair& serving, LoadedPair& ca, const SanSet& sans,
                            const PkiOptions& options) {
  if (X509_check_private_key(serving.cert.get(), serving.key.get()) != 1) {
    TakeOpenSslErrors();
    return "its key does not match the certificate";
  }
  if (ExpiresWithin(serving.cert.get(), options.renew_before)) {
    return "it expires within " +
           std::to_string(
               std::chrono::duration_cast<std::chrono::hours>(options.renew_before).count() / 24) +
           " days";
  }
  std::string why;
  if (!VerifiesAgainst(serving.cert.get(), ca.cert.get(), &why)) {
    return "it does not verify against the CA: " + why;
  }
  std::string missing = ReadSans(serving.cert.get()).Missing(sans);
  if (!missing.empty()) return "it lacks " + missing;
  return {};
}

// The file may end in a newline (ours do, for `cat`); anything else around the token is an error.
Result<std::string> ParseToken(const std::string& path, std::string token) {
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
    token.pop_back();
  }
  if (token.empty() || token.find_first_of(" \t\r\n") != std::string::npos) {
    return MakeError(ErrorCode::kInvalid,
                     path + ": must hold one token without whitespace (remove it to generate one)");
  }
  return token;
}

Result<std::string> LoadOrCreateToken(const std::string& path, bool* created) {
  auto text = ReadFile(path);
  if (text) return ParseToken(path, std::move(*text));
  if (!IsNotFound(text.error())) return text.error();
  auto token = GenerateToken();
  if (!token) return token.error();
  Status s = WriteFileAtomic(path, *token + "\n", kSecretMode);
  if (!s.ok()) return s.error();
  *created = true;
  return token;
}

}  // namespace

PkiPaths PkiPaths::For(const std::string& data_dir) {
  PkiPaths p;
  p.pki_dir = data_dir + "/pki";
  p.ca_cert = p.pki_dir + "/ca.crt";
  p.ca_key = p.pki_dir + "/ca.key";
  p.serving_cert = p.pki_dir + "/apiserver.crt";
  p.serving_key = p.pki_dir + "/apiserver.key";
  p.admin_token = data_dir + "/admin-token";
  return p;
}

Result<DataDirPki> EnsurePki(const std::string& data_dir, const PkiOptions& options) {
  auto sans = RequiredSans(options.hosts);
  if (!sans) return sans.error();
  DataDirPki out;
  out.paths = PkiPaths::For(data_dir);
  const PkiPaths& paths = out.paths;

  Status s = EnsureDir(data_dir, 0700);
  if (!s.ok()) return s.error();
  struct stat st;
  if (stat(paths.pki_dir.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return MakeError(ErrorCode::kIo, "stat " + paths.pki_dir + ": " + std::strerror(errno));
    }
    s = CreateFreshPki(data_dir, paths, *sans, options);
    if (!s.ok()) return s.error();
    out.created_ca = true;
    out.serving_cert_issued_because = "first start";
  }

  auto ca = LoadCa(paths);
  if (!ca) return ca.error();

  std::string missing;
  auto serving = LoadPair(paths.serving_cert, paths.serving_key, &missing);
  if (!serving) return serving.error();
  std::string reason =
      missing.empty() ? ReasonToReissue(*serving, *ca, *sans, options) : missing + " is missing";
  if (!reason.empty()) {
    auto issued = NewServing(ca->cert.get(), ca->key.get(), *sans, options);
    if (!issued) return issued.error();
    s = WritePair(*issued, paths.serving_cert, paths.serving_key);
    if (!s.ok()) return s.error();
    out.serving_cert_pem = std::move(issued->cert_pem);
    out.serving_key_pem = std::move(issued->key_pem);
    out.serving_cert_issued_because = "re-issued: " + reason;
  } else {
    out.serving_cert_pem = std::move(serving->cert_pem);
    out.serving_key_pem = std::move(serving->key_pem);
  }
  out.ca_cert_pem = std::move(ca->cert_pem);

  auto token = LoadOrCreateToken(paths.admin_token, &out.created_token);
  if (!token) return token.error();
  out.admin_token = std::move(*token);
  return out;
}

Result<DataDirPki> LoadPki(const std::string& data_dir) {
  DataDirPki out;
  out.paths = PkiPaths::For(data_dir);
  auto ca = LoadPair(out.paths.ca_cert, out.paths.ca_key, nullptr);
  if (!ca) return ca.error();
  auto serving = LoadPair(out.paths.serving_cert, out.paths.serving_key, nullptr);
  if (!serving) return serving.error();
  auto token = ReadFile(out.paths.admin_token);
  if (!token) return token.error();
  auto parsed = ParseToken(out.paths.admin_token, std::move(*token));
  if (!parsed) return parsed.error();
  out.ca_cert_pem = std::move(ca->cert_pem);
  out.serving_cert_pem = std::move(serving->cert_pem);
  out.serving_key_pem = std::move(serving->key_pem);
  out.admin_token = std::move(*parsed);
  return out;
}

}  // namespace waygate::pki
