#include "tls/certificate_store.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <ctime>
#include <set>
#include <string_view>
#include <tuple>

#include "tls/default_certificate.h"
#include "tls/sni_callback.h"

namespace waygate::tls {
namespace {

using Clock = std::chrono::system_clock;

constexpr char kCrtKey[] = "tls.crt";
constexpr char kKeyKey[] = "tls.key";
constexpr char kServingDefault[] = "; serving the default certificate";
// The generated certificate lives a year; replace it well before clients see it expire.
constexpr auto kRegenerateBefore = std::chrono::hours(24 * 30);

// Certificate's errors are coded coarsely (kInvalid covers most); the reason a user acts on is in
// the message, whose wording certificate.cc owns and certificate_store_test pins.
std::string Reason(const Error& e) {
  auto has = [&](const char* s) { return e.message.find(s) != std::string::npos; };
  switch (e.code) {
    case ErrorCode::kNotFound:
      return "SecretDataMissing";
    case ErrorCode::kUnsupported:
      return "UnsupportedKey";
    default:
      if (has("does not match")) return "KeyMismatch";
      if (has("expired at")) return "CertificateExpired";
      if (has("not valid before")) return "CertificateNotYetValid";
      return "InvalidCertificate";
  }
}

// The leaf's notBefore, so that a Secret is parsed (and its result cached) independently of the
// time of the Build; Resolve checks the dates against each Build's `now` itself. Unreadable PEM
// gives nullopt and FromSecretData reports it.
std::optional<Clock::time_point> LeafNotBefore(std::string_view pem) {
  if (pem.size() > static_cast<size_t>(INT32_MAX)) return std::nullopt;
  pki::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  pki::X509Ptr leaf(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  struct tm tm {};
  bool ok = leaf && ASN1_TIME_to_tm(X509_get0_notBefore(leaf.get()), &tm) == 1;
  ERR_clear_error();
  if (!ok) return std::nullopt;
  const time_t secs = timegm(&tm);
  // Clock counts nanoseconds (about 1677 to 2262); Certificate clamps the same way.
  constexpr auto kMax =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::time_point::max().time_since_epoch())
          .count() -
      1;
  if (secs >= kMax) return Clock::time_point::max();
  if (secs <= -kMax) return Clock::time_point::min();
  return Clock::from_time_t(secs);
}

// "Secret ns/x data[tls.key]: <what Certificate said, without its own prefix>".
std::string Describe(const std::string& key, const Error& e) {
  std::string text = e.message;
  std::string prefix = "TLS Secret " + key + ": ";
  if (text.compare(0, prefix.size(), prefix) == 0) text.erase(0, prefix.size());
  return "Secret " + key + (e.field.empty() ? "" : " " + e.field) + ": " + text;
}

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  size_t slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::string DataValue(const model::Secret& s, const char* key) {
  auto it = s.data.find(key);
  return it == s.data.end() ? std::string() : it->second;
}

bool SamePolicy(const TlsPolicy& a, const TlsPolicy& b) {
  return a.protocols == b.protocols && a.tls12_ciphers == b.tls12_ciphers &&
         a.offer_h2 == b.offer_h2 && a.session_cache_size == b.session_cache_size &&
         a.session_timeout == b.session_timeout;
}

Result<std::shared_ptr<SSL_CTX>> MakeFront(const TlsPolicy& policy,
                                           std::shared_ptr<TicketKeys> keys) {
  auto front = CreateFrontContext(policy, std::move(keys));
  if (!front) return front.error();
  InstallSniCallback(front->get());
  return std::shared_ptr<SSL_CTX>(front->release(), SSL_CTX_free);
}

// Sorted and deduplicated: the key orders problems as the snapshot lists them.
class ProblemSet {
 public:
  // One per (Ingress, Secret, reason); keeps the first host in byte order.
  void AddSecretProblem(CertificateProblem p) {
    auto key =
        std::make_tuple(p.ingress_namespace, p.ingress_name, p.secret, p.reason, std::string());
    auto [it, inserted] = problems_.emplace(key, p);
    if (!inserted && p.host < it->second.host) it->second = std::move(p);
  }
  // One per (Ingress, host, reason).
  void AddHostProblem(CertificateProblem p) {
    auto key = std::make_tuple(p.ingress_namespace, p.ingress_name, p.secret, p.reason, p.host);
    problems_.emplace(key, std::move(p));
  }
  std::vector<CertificateProblem> Take() {
    std::vector<CertificateProblem> out;
    out.reserve(problems_.size());
    for (auto& [key, p] : problems_) out.push_back(std::move(p));
    return out;
  }

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  std::map<Key, CertificateProblem> problems_;
};

}  // namespace

Result<std::unique_ptr<CertificateStore>> CertificateStore::Create(TlsPolicy policy,
                                                                   std::shared_ptr<TicketKeys> keys,
                                                                   Clock::time_point now) {
  if (!keys) return MakeError(ErrorCode::kInternal, "certificate store: no ticket keys");
  std::unique_ptr<CertificateStore> store(new CertificateStore());
  store->policy_ = std::move(policy);
  store->keys_ = std::move(keys);
  auto front = MakeFront(store->policy_, store->keys_);
  if (!front) return front.error();
  store->front_ = std::move(*front);
  Clock::time_point ignored;
  auto generated = store->GeneratedDefault(now, &ignored);
  if (!generated) return generated.error();
  return store;
}

void CertificateStore::UpsertSecret(const model::Secret& secret) {
  std::string key = secret.meta.namespace_ + "/" + secret.meta.name;
  Entry entry;
  entry.type = secret.type;
  if (entry.type == kTlsSecretType) {
    entry.crt = DataValue(secret, kCrtKey);
    entry.key = DataValue(secret, kKeyKey);
  }
  auto it = secrets_.find(key);
  if (it != secrets_.end() && it->second.type == entry.type && it->second.crt == entry.crt &&
      it->second.key == entry.key) {
    return;  // e.g. a resync, or only ca.crt / labels changed: keep the context
  }
  // Clusters churn other Secrets (tokens, Helm releases): they serve nothing, so indexes need no
  // rebuild for them. Naming one is reported as SecretWrongType at the next Build.
  bool serves =
      entry.type == kTlsSecretType || (it != secrets_.end() && it->second.type == kTlsSecretType);
  secrets_.insert_or_assign(key, std::move(entry));
  if (serves) ++generation_;
}

void CertificateStore::RemoveSecret(const std::string& namespace_, const std::string& name) {
  auto it = secrets_.find(namespace_ + "/" + name);
  if (it == secrets_.end()) return;
  if (it->second.type == kTlsSecretType) ++generation_;
  secrets_.erase(it);
}

void CertificateStore::SetDefaultSecret(
    std::optional<std::pair<std::string, std::string>> ns_name) {
  std::optional<std::string> key;
  if (ns_name) key = ns_name->first + "/" + ns_name->second;
  if (key == default_secret_) return;
  default_secret_ = std::move(key);
  ++generation_;
}

Status CertificateStore::SetPolicy(const TlsPolicy& policy) {
  if (SamePolicy(policy, policy_)) return OkStatus();
  auto front = MakeFront(policy, keys_);
  if (!front) return front.error();
  policy_ = policy;
  front_ = std::move(*front);
  ++policy_epoch_;  // every ServerContext is rebuilt at its next use
  ++generation_;
  return OkStatus();
}

Result<ServerContextPtr> CertificateStore::GeneratedDefault(Clock::time_point now,
                                                            Clock::time_point* changes_at) {
  if (!generated_ || now < generated_->not_before() ||
      now > generated_->not_after() - kRegenerateBefore) {
    auto cert = GenerateDefaultCertificate(now);
    if (!cert) return cert.error();
    if (generated_) ++generation_;  // other gateways still serve the old one
    generated_ = std::move(*cert);
    generated_context_.reset();
  }
  if (!generated_context_ || generated_epoch_ != policy_epoch_) {
    auto ctx = ServerContext::Create(generated_, policy_, keys_);
    if (!ctx) return ctx.error();
    generated_context_ = std::move(*ctx);
    generated_epoch_ = policy_epoch_;
  }
  *changes_at = generated_->not_after() - kRegenerateBefore;
  return generated_context_;
}

CertificateStore::Resolution CertificateStore::Resolve(const std::string& key,
                                                       Clock::time_point now) {
  Resolution r;
  auto it = secrets_.find(key);
  if (it == secrets_.end()) {
    r.reason = "SecretNotFound";
    r.message = "Secret " + key + " not found";
    return r;
  }
  Entry& e = it->second;
  if (e.type != kTlsSecretType) {
    r.reason = "SecretWrongType";
    r.message = "Secret " + key + " has type \"" + e.type + "\", not " + kTlsSecretType;
    return r;
  }
  if (!e.certificate && !e.error) {
    auto cert = Certificate::FromSecretData(e.crt, e.key, LeafNotBefore(e.crt).value_or(now), key);
    if (cert) {
      e.certificate = std::move(*cert);
    } else {
      e.error = cert.error();
    }
  }
  if (e.error) {
    r.reason = Reason(*e.error);
    r.message = Describe(key, *e.error);
    return r;
  }
  const Certificate& cert = *e.certificate;
  if (now < cert.not_before()) {
    r.reason = "CertificateNotYetValid";
    r.message = "Secret " + key + " data[tls.crt]: certificate is not valid before " +
                FormatCertificateTime(cert.not_before());
    r.changes_at = cert.not_before();
    return r;
  }
  if (now > cert.not_after()) {
    r.reason = "CertificateExpired";
    r.message =
        "Secret " + key + " data[tls.crt]: certificate expired at " + FormatCertificateTime(cert.not_after());
    return r;
  }
  if (!e.context || e.context_epoch != policy_epoch_) {
    auto ctx = ServerContext::Create(e.certificate, policy_, keys_);
    if (!ctx) {
      r.reason = "InvalidCertificate";
      r.message = "Secret " + key + " data[tls.crt]: " + ctx.error().message;
      return r;
    }
    e.context = std::move(*ctx);
    e.context_epoch = policy_epoch_;
  }
  r.context = e.context;
  r.changes_at = cert.not_after();
  return r;
}

Result<SniSnapshot> CertificateStore::Build(const std::vector<CertificateRequest>& requests,
                                            Clock::time_point now) {
  SniSnapshot snap;
  ProblemSet problems;
  auto until = [&](Clock::time_point t) { snap.rebuild_by = std::min(snap.rebuild_by, t); };

  Clock::time_point generated_until;
  auto fallback = GeneratedDefault(now, &generated_until);
  if (!fallback) return fallback.error();
  until(generated_until);
  ServerContextPtr default_context = *fallback;
  if (default_secret_) {
    Resolution r = Resolve(*default_secret_, now);
    until(r.changes_at);
    if (r.context) {
      default_context = r.context;
    } else {
      problems.AddSecretProblem({"", "", *default_secret_, "", r.reason,
                                 r.message + "; serving the generated default certificate"});
    }
  }

  std::map<std::string, Resolution> resolved;  // a Secret named by many hosts is looked at once
  std::vector<SniBinding> bindings;
  bindings.reserve(requests.size());
  for (const CertificateRequest& req : requests) {
    SniBinding b{req.host, req.ingress_namespace, req.ingress_name, default_context};
    if (!req.secret_name.empty()) {
      std::string key = req.ingress_namespace + "/" + req.secret_name;
      auto it = resolved.find(key);
      if (it == resolved.end()) it = resolved.emplace(key, Resolve(key, now)).first;
      const Resolution& r = it->second;
      until(r.changes_at);
      if (r.context) {
        b.context = r.context;
      } else {
        problems.AddSecretProblem({req.ingress_namespace, req.ingress_name, key, req.host, r.reason,
                                   r.message + kServingDefault});
      }
    }
    bindings.push_back(std::move(b));
  }

  auto index = SniIndex::Build(bindings, default_context);
  if (!index) return index.error();
  snap.index = std::move(*index);

  // The index reports bindings it ignored by Ingress and host; find the Secret they named.
  auto secret_of = [&](const std::string& ingress, const std::string& host) {
    for (const CertificateRequest& req : requests) {
      if (req.host == host && req.ingress_namespace + "/" + req.ingress_name == ingress) {
        return req.secret_name.empty() ? std::string()
                                       : req.ingress_namespace + "/" + req.secret_name;
      }
    }
    return std::string();
  };
  std::set<std::pair<std::string, std::string>> invalid_hosts;  // (ingress, host)
  for (const SniIndex::Problem& p : snap.index->problems()) {
    auto [ns, name] = SplitKey(p.ingress);
    std::string secret = secret_of(p.ingress, p.host);
    bool conflict = p.message.find("already takes its certificate") != std::string::npos;
    if (!conflict) invalid_hosts.emplace(p.ingress, p.host);
    std::string what = secret.empty() ? "TLS host " + p.host : "Secret " + secret;
    problems.AddHostProblem({ns, name, secret, p.host, conflict ? "HostConflict" : "InvalidHost",
                             what + " is not used for host " + p.host + ": " + p.message});
  }

  // A certificate that does not name its host is still served (the user may know better, e.g. a
  // client that pins it), but deserves a warning.
  for (const CertificateRequest& req : requests) {
    if (req.secret_name.empty()) continue;
    std::string key = req.ingress_namespace + "/" + req.secret_name;
    const Resolution& r = resolved.at(key);
    if (!r.context ||
        invalid_hosts.count({req.ingress_namespace + "/" + req.ingress_name, req.host}) > 0 ||
        r.context->certificate().Covers(req.host)) {
      continue;
    }
    problems.AddHostProblem({req.ingress_namespace, req.ingress_name, key, req.host,
                             "HostNotCovered",
                             "Secret " + key + " data[tls.crt]: certificate does not name host " +
                                 req.host + "; serving it anyway"});
  }

  snap.problems = problems.Take();
  return snap;
}

}  // namespace waygate::tls
