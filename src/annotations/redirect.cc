// Redirects: permanent-redirect(-code), temporal-redirect(-code), from-to-www-redirect,
// preserve-trailing-slash. (ssl-redirect / force-ssl-redirect are route settings.)
#include <array>

#include "annotations/parsers.h"

namespace waygate::annotations::internal {
namespace {

// The variables the data plane expands in a redirect URL (policy.h).
constexpr std::array<std::string_view, 5> kVariables = {"request_uri", "uri", "args", "host",
                                                        "scheme"};

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// An absolute http(s) URL with a host; '$' only starts one of kVariables.
Result<std::string> ParseRedirectUrl(std::string_view value) {
  auto bad = [value](std::string_view why) {
    return Invalid("invalid redirect URL " + Quoted(value) + ": " + std::string(why));
  };
  std::string lower = Lower(value.substr(0, 8));
  size_t scheme_end;
  if (lower.rfind("https://", 0) == 0) {
    scheme_end = 8;
  } else if (lower.rfind("http://", 0) == 0) {
    scheme_end = 7;
  } else {
    return bad("must be an absolute http:// or https:// URL");
  }
  std::string literal;  // the URL with variables removed, for the character check
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '$') {
      literal.push_back(value[i]);
      continue;
    }
    size_t end = i + 1;
    while (end < value.size() && IsNameChar(value[end])) ++end;
    std::string_view name = value.substr(i + 1, end - i - 1);
    bool known = false;
    for (std::string_view variable : kVariables) known = known || name == variable;
    if (!known) {
      return bad("only $request_uri, $uri, $args, $host and $scheme may be used, not " +
                 Quoted(value.substr(i, end - i)));
    }
    if (i < scheme_end) return bad("the scheme must be literal http or https");
    literal.append("x");  // a variable stands for some text; keeps the host non-empty check
    i = end - 1;
  }
  size_t host_end = value.find_first_of("/?#", scheme_end);
  std::string_view authority =
      value.substr(scheme_end, host_end == std::string_view::npos ? std::string_view::npos
                                                                  : host_end - scheme_end);
  if (authority.empty()) return bad("the URL has no host");
  if (authority.find('@') != std::string_view::npos) return bad("user info is not allowed");
  // '#' (a fragment) is allowed in a Location; everything else is the URL character set.
  std::string checked;
  for (char c : literal) checked.push_back(c == '#' ? '/' : c);
  if (auto problem = UrlTextProblem(checked.substr(scheme_end))) return bad(*problem);
  return std::string(value);
}

Result<uint16_t> ParseRedirectCode(std::string_view value) {
  auto parsed = ParseUint32(value);
  if (!parsed || *parsed < 300 || *parsed > 308) {
    return Invalid("invalid redirect code " + Quoted(value) + ": want 300 to 308");
  }
  return static_cast<uint16_t>(*parsed);
}

}  // namespace

Status ParsePermanentRedirect(std::string_view value, Draft& draft) {
  auto url = ParseRedirectUrl(value);
  if (!url) return url.error();
  draft.permanent_url = std::move(*url);
  return OkStatus();
}

Status ParsePermanentRedirectCode(std::string_view value, Draft& draft) {
  auto code = ParseRedirectCode(value);
  if (!code) return code.error();
  draft.permanent_code = *code;
  return OkStatus();
}

Status ParseTemporalRedirect(std::string_view value, Draft& draft) {
  auto url = ParseRedirectUrl(value);
  if (!url) return url.error();
  draft.temporal_url = std::move(*url);
  return OkStatus();
}

Status ParseTemporalRedirectCode(std::string_view value, Draft& draft) {
  auto code = ParseRedirectCode(value);
  if (!code) return code.error();
  draft.temporal_code = *code;
  return OkStatus();
}

Status ParseFromToWwwRedirect(std::string_view value, Draft& draft) {
  auto parsed = ParseBool(value);
  if (!parsed) return parsed.error();
  draft.policy.redirect.from_to_www = *parsed;
  return OkStatus();
}

Status ParsePreserveTrailingSlash(std::string_view value, Draft& draft) {
  auto parsed = ParseBool(value);
  if (!parsed) return parsed.error();
  draft.policy.redirect.preserve_trailing_slash = *parsed;
  return OkStatus();
}

// ingress-nginx checks temporal-redirect first: when both are set, the temporal one is used.
void FinishRedirect(Draft& draft, std::vector<Error>& /*errors*/) {
  RedirectPolicy& redirect = draft.policy.redirect;
  if (!draft.temporal_url.empty()) {
    redirect.url = draft.temporal_url;
    redirect.code = draft.temporal_code;
  } else if (!draft.permanent_url.empty()) {
    redirect.url = draft.permanent_url;
    redirect.code = draft.permanent_code;
  }
}

}  // namespace waygate::annotations::internal
