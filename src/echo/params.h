// Query parameters that let a test steer the echo backend's reply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace waygate::echo {

inline constexpr uint32_t kMaxDelayMs = 60000;
inline constexpr uint64_t kMaxBodyBytes = uint64_t{64} << 20;

struct Params {
  uint16_t status = 200;        // status=NNN (200..599)
  uint32_t delay_ms = 0;        // delay_ms=N: sleep before answering
  bool body_bytes_set = false;  // body_bytes=N: N bytes of 'x' instead of the JSON document
  uint64_t body_bytes = 0;
  bool chunked = false;  // chunked=1: Transfer-Encoding: chunked
  bool close = false;    // close=1: Connection: close, then close
  std::vector<std::pair<std::string, std::string>> headers;  // header=Name:Value, repeatable
};

// Parses a query string (without '?'). Unknown parameters are ignored (they are the caller's
// business: the path and query are echoed back); known ones with bad values are an error.
// Values are percent-decoded, so "header=X-A%3A1" works as well as "header=X-A:1".
Result<Params> ParseParams(std::string_view query);

}  // namespace waygate::echo
