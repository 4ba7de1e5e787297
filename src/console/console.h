// The web console's HTTP side: which requests are the console's, and their answers (the page
// shell with a fresh CSP nonce, the hashed assets with long caching, gzip and ETags). No I/O and
// no API types: the API server asks Serve first and writes what it returns.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace waygate::console {

struct Request {
  std::string_view method;
  std::string_view path;  // without the query
  std::string_view accept;
  std::string_view accept_encoding;
  std::string_view if_none_match;
};

struct Response {
  int status = 200;
  std::string_view content_type;
  std::string_view body;  // into `owned` or into the embedded files
  std::string owned;
  std::vector<std::pair<std::string, std::string>> headers;
};

// nullopt: not the console's (the API answers it). The console owns `GET|HEAD /` from a client
// that accepts text/html (a browser; kubectl's `get --raw /` keeps the API's answer) and
// everything under /console/.
std::optional<Response> Serve(const Request& request);

}  // namespace waygate::console
