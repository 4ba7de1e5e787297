// Base64 encodings this module writes: standard (kubeconfig certificate-authority-data) and
// unpadded URL-safe (tokens that travel in headers and shell commands without quoting).
#pragma once

#include <string>
#include <string_view>

namespace waygate::pki {

std::string Base64Encode(std::string_view data);     // RFC 4648 section 4, padded
std::string Base64UrlEncode(std::string_view data);  // RFC 4648 section 5, no padding

}  // namespace waygate::pki
