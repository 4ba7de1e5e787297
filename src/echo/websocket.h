// The one piece of RFC 6455 the echo backend needs to accept a WebSocket upgrade.
#pragma once

#include <string>
#include <string_view>

namespace waygate::echo {

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + RFC 6455 GUID)).
std::string WebSocketAccept(std::string_view key);

}  // namespace waygate::echo
