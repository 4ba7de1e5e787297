// The data directory's credentials: the CA, the API server's serving certificate and the admin
// bearer token. Created on first start, reused after; the serving certificate is re-issued from
// the same CA when it no longer fits (new node IP, close to expiry). The CA is never replaced.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/result.h"

namespace waygate::pki {

struct PkiOptions {
  // IPs or DNS names the serving certificate must cover besides the built-in ones (localhost,
  // waygate, kubernetes[.default[.svc]], 127.0.0.1, ::1): node IPs, the --api-listen host.
  // Brackets around IPv6 literals are accepted; 0.0.0.0 and :: are skipped.
  std::vector<std::string> hosts;
  std::chrono::seconds ca_validity = std::chrono::hours(24 * 3650);
  std::chrono::seconds serving_validity = std::chrono::hours(24 * 365);
  // A serving certificate that expires sooner than this is re-issued at start.
  std::chrono::seconds renew_before = std::chrono::hours(24 * 30);
};

struct PkiPaths {
  std::string pki_dir;       // DIR/pki (0700)
  std::string ca_cert;       // DIR/pki/ca.crt
  std::string ca_key;        // DIR/pki/ca.key (0600)
  std::string serving_cert;  // DIR/pki/apiserver.crt
  std::string serving_key;   // DIR/pki/apiserver.key (0600)
  std::string admin_token;   // DIR/admin-token (0600)

  static PkiPaths For(const std::string& data_dir);
};

struct DataDirPki {
  PkiPaths paths;
  std::string ca_cert_pem;
  std::string serving_cert_pem;  // leaf first, then any chain certificates the file holds
  std::string serving_key_pem;
  std::string admin_token;

  // What EnsurePki did, for the startup log.
  bool created_ca = false;
  bool created_token = false;
  // Empty when the serving certificate on disk was reused; otherwise why it was (re-)issued.
  std::string serving_cert_issued_because;
};

// Creates what is missing and returns everything loaded. Errors name the file at fault and
// leave every file as it was: an unreadable key is the operator's to fix, never overwritten.
Result<DataDirPki> EnsurePki(const std::string& data_dir, const PkiOptions& options);

// Reads what EnsurePki created, changing nothing (for `waygate kubeconfig`); kNotFound when
// the data directory has not been initialized by `waygate serve`.
Result<DataDirPki> LoadPki(const std::string& data_dir);

}  // namespace waygate::pki
