#include "api/oauth.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "apistatus/api_status.h"
#include "apistatus/errors.h"
#include "auth/password.h"
#include "base/log.h"
#include "iam/users.h"

namespace waygate::api {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kFormType = "application/x-www-form-urlencoded";
// KubeSphere's access token lifetime, also TokenStore's default.
constexpr std::chrono::seconds kDefaultTtl{2 * 3600};
constexpr std::chrono::seconds kMaxRequestedTtl{366 * 24 * 3600};
// User names are DNS-1123 subdomains; anything longer cannot exist, and the guard must not keep
// megabytes of "names" in memory.
constexpr size_t kMaxUsernameBytes = 253;

void Send(ResponseWriter& writer, int status, const json& body, Headers extra = {}) {
  // RFC 6749 5.1: token responses must not be cached by anything on the way.
  Headers headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
  for (auto& h : extra) headers.push_back(std::move(h));
  writer.Send(status, "application/json", body.dump() + "\n", headers);
}

void SendError(ResponseWriter& writer, int status, std::string_view error,
               std::string_view description, Headers extra = {}) {
  Send(writer, status,
       json{{"error", std::string(error)}, {"error_description", std::string(description)}},
       std::move(extra));
}

void SendUnavailable(ResponseWriter& writer, const Error& error) {
  log::Warn("oauth: store failed: " + error.ToString());
  SendError(writer, 503, "temporarily_unavailable", "the token store is unavailable; retry",
            {{"Retry-After", "1"}});
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> FormDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// application/x-www-form-urlencoded, strictly: a bad escape or a repeated parameter is an
// invalid_request (RFC 6749 3.2: parameters must not be included more than once).
using Form = std::map<std::string, std::string, std::less<>>;
Result<Form> ParseForm(std::string_view body) {
  Form form;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = FormDecode(pair.substr(0, eq));
    auto value =
        FormDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) return MakeError(ErrorCode::kInvalid, "malformed form encoding");
    if (!form.emplace(std::move(*key), std::move(*value)).second) {
      return MakeError(ErrorCode::kInvalid, "a parameter is repeated");
    }
  }
  return form;
}

bool IsFormContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  if (media.size() != kFormType.size()) return false;
  for (size_t i = 0; i < media.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[i])) != kFormType[i]) return false;
  }
  return true;
}

std::string_view Field(const Form& form, std::string_view key) {
  auto it = form.find(key);
  return it == form.end() ? std::string_view() : std::string_view(it->second);
}

// "127.0.0.1:51234" -> "127.0.0.1"; "[::1]:51234" -> "::1".
std::string ClientAddress(std::string_view remote) {
  size_t colon = remote.rfind(':');
  std::string_view host = colon == std::string_view::npos ? remote : remote.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::string(host);
}

// A hash of a password nobody knows, verified against when the user does not exist (or has no
// password), so that a failed login costs one bcrypt verify either way.
const std::string& DummyHash() {
  static const std::string hash = [] {
    unsigned char random[18];
    std::string secret = "unguessable-";
    if (RAND_bytes(random, sizeof random) == 1) {
      static constexpr char kHex[] = "0123456789abcdef";
      for (unsigned char b : random) {
        secret.push_back(kHex[b >> 4]);
        secret.push_back(kHex[b & 0xf]);
      }
    }
    auto hashed = auth::HashPassword(secret);
    return hashed.ok() ? *hashed : std::string();
  }();
  return hash;
}

json TokenBody(const iam::IssuedToken& issued, std::chrono::seconds ttl) {
  return json{{"access_token", issued.token},
              {"token_type", "Bearer"},
              {"expires_in", static_cast<int64_t>(ttl.count())}};
}

}  // namespace

OAuthServer::OAuthServer(store::Store* store, iam::TokenStore* tokens, Authenticator* authn,
                         OAuthOptions options)
    : store_(store), tokens_(tokens), authn_(authn), options_(options), guard_(options.guard) {}

bool OAuthServer::Owns(std::string_view path) {
  return path == "/oauth" || path.starts_with("/oauth/");
}

void OAuthServer::Handle(const HttpRequest& request, ResponseWriter& writer) {
  const std::string& path = request.path;
  if (path != "/oauth/token" && path != "/oauth/revoke") {
    writer.Send(404, "application/json", apistatus::ToBody(apistatus::NotFoundPath()));
    return;
  }
  if (request.method != "POST") {
    SendError(writer, 405, "invalid_request", "use POST", {{"Allow", "POST"}});
    return;
  }
  if (!IsFormContentType(request.Header("content-type"))) {
    SendError(writer, 400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    return;
  }
  auto form = ParseForm(request.body);
  if (!form.ok()) {
    SendError(writer, 400, "invalid_request", form.error().message);
    return;
  }

  if (path == "/oauth/revoke") {
    std::string_view token = Field(*form, "token");
    if (token.empty()) {
      SendError(writer, 400, "invalid_request", "token is required");
      return;
    }
    // RFC 7009 2.2: an invalid or unknown token is answered 200 as well; only a failure to
    // revoke a real one is an error. The admin token is no wg_ token: Revoke ignores it.
    Status revoked = tokens_->Revoke(token);
    if (!revoked.ok()) {
      SendUnavailable(writer, revoked.error());
      return;
    }
    writer.Send(200, "", "", {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}});
    return;
  }

  std::string_view grant = Field(*form, "grant_type");
  if (grant.empty()) {
    SendError(writer, 400, "invalid_request", "grant_type is required");
    return;
  }

  if (grant == kTokenExchangeGrant) {
    std::string_view subject_token = Field(*form, "subject_token");
    std::string_view requested = Field(*form, "requested_subject");
    if (subject_token.empty() || Field(*form, "subject_token_type") != kAccessTokenType ||
        requested.empty()) {
      SendError(writer, 400, "invalid_request",
                "subject_token, subject_token_type (access_token) and requested_subject are "
                "required");
      return;
    }
    std::chrono::seconds ttl =
        options_.access_token_ttl.count() > 0 ? options_.access_token_ttl : kDefaultTtl;
    if (form->count("expires_in")) {
      std::string_view text = Field(*form, "expires_in");
      int64_t value = 0;
      bool ok = !text.empty() && text.size() <= 10;
      for (char c : text) {
        if (c < '0' || c > '9') ok = false;
        value = value * 10 + (c - '0');
      }
      if (!ok || value <= 0 || value > kMaxRequestedTtl.count()) {
        SendError(writer, 400, "invalid_request", "expires_in must be 1 to 31622400 seconds");
        return;
      }
      ttl = std::chrono::seconds(value);
    }
    Authentication subject = authn_->AuthenticateToken(subject_token);
    if (subject.outcome == Authentication::Outcome::kUnavailable) {
      SendUnavailable(writer, MakeError(ErrorCode::kIo, "authenticating the subject token"));
      return;
    }
    bool masters = subject.outcome == Authentication::Outcome::kAuthenticated &&
                   std::find(subject.user.groups.begin(), subject.user.groups.end(),
                             kGroupMasters) != subject.user.groups.end();
    if (!masters) {
      // RFC 8693 2.2.2: an unusable subject_token is an invalid_request.
      SendError(writer, 400, "invalid_request",
                "subject_token is not a credential that may act for other users");
      return;
    }
    auto user = ReadUser(store_, requested);
    if (!user.ok() && user.error().code != ErrorCode::kNotFound) {
      SendUnavailable(writer, user.error());
      return;
    }
    if (!user.ok() || !iam::IsActive(*user)) {
      SendError(writer, 400, "invalid_grant", "no active user " + std::string(requested));
      return;
    }
    auto issued = tokens_->Issue(requested, ttl, "token exchange by " + subject.user.name);
    if (!issued.ok()) {
      SendUnavailable(writer, issued.error());
      return;
    }
    json body = TokenBody(*issued, ttl);
    body["issued_token_type"] = std::string(kAccessTokenType);
    Send(writer, 200, body);
    return;
  }

  if (grant != "password") {
    SendError(writer, 400, "unsupported_grant_type",
              "grant_type must be password or " + std::string(kTokenExchangeGrant));
    return;
  }
  std::string_view username = Field(*form, "username");
  std::string_view password = Field(*form, "password");
  if (username.empty() || password.empty()) {
    SendError(writer, 400, "invalid_request", "username and password are required");
    return;
  }
  if (username.size() > kMaxUsernameBytes) {
    SendError(writer, 400, "invalid_grant", "incorrect username or password");
    return;
  }
  std::string address = ClientAddress(request.remote);
  // Before any hashing: a locked-out guesser costs no CPU.
  std::chrono::seconds wait = guard_.Check(username, address);
  if (wait.count() > 0) {
    SendError(
        writer, 429, "invalid_grant",
        "too many failed login attempts; retry after " + std::to_string(wait.count()) + " seconds",
        {{"Retry-After", std::to_string(wait.count())}});
    return;
  }
  auto user = ReadUser(store_, username);
  if (!user.ok() && user.error().code != ErrorCode::kNotFound) {
    SendUnavailable(writer, user.error());
    return;
  }
  std::string hash = user.ok() ? iam::StoredPasswordHash(*user) : std::string();
  bool matched = false;
  if (hash.empty()) {
    auth::VerifyPassword(password, DummyHash());  // same cost as a real check; result unused
  } else {
    matched = auth::VerifyPassword(password, hash);
  }
  if (!matched) {
    guard_.RecordFailure(username, address);
    SendError(writer, 400, "invalid_grant", "incorrect username or password");
    return;
  }
  // Said only to whoever knows the password, so it reveals nothing to a guesser.
  if (!iam::IsActive(*user)) {
    SendError(writer, 400, "invalid_grant", "account is not active");
    return;
  }
  guard_.RecordSuccess(username);
  std::chrono::seconds ttl =
      options_.access_token_ttl.count() > 0 ? options_.access_token_ttl : kDefaultTtl;
  auto issued = tokens_->Issue(username, ttl, "POST /oauth/token from " + address);
  if (!issued.ok()) {
    SendUnavailable(writer, issued.error());
    return;
  }
  Send(writer, 200, TokenBody(*issued, ttl));
}

}  // namespace waygate::api
