// Content checks with the exact rules and wording of k8s.io/apimachinery/pkg/util/validation.
// Each returns the list of problems (empty when valid), as the Go functions do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace waygate::model {

using Messages = std::vector<std::string>;

Messages IsDNS1123Label(std::string_view value);
Messages IsDNS1123Subdomain(std::string_view value);
Messages IsDNS1035Label(std::string_view value);
Messages IsWildcardDNS1123Subdomain(std::string_view value);  // "*.example.com"
Messages IsLabelKey(std::string_view value);                  // a.k.a. qualified name
Messages IsLabelValue(std::string_view value);
Messages IsValidPortNum(int64_t port);
Messages IsValidPortName(std::string_view port);  // IANA_SVC_NAME
Messages IsConfigMapKey(std::string_view key);    // Secret and ConfigMap data keys
Messages IsPathSegmentName(std::string_view name);

// net.ParseIP semantics, "sloppy" as Kubernetes' legacy fields: IPv4 parts may have leading
// zeros; IPv6 without zone.
bool IsIPv4(std::string_view value);
bool IsIPv6(std::string_view value);
inline bool IsIP(std::string_view value) { return IsIPv4(value) || IsIPv6(value); }

inline constexpr const char* kInvalidIPMessage =
    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

}  // namespace waygate::model
