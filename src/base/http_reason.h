// The reason phrase of an HTTP status line, one table for every server in the binary (API server,
// admin endpoint, gateway error pages). Clients ignore the phrase (RFC 9112 section 4), but people
// and tests read it, so every listener words a status the same way.
#pragma once

namespace waygate {

// RFC 9110's phrase ("Not Found" for 404), except 413, which keeps the "Request Entity Too Large"
// that Go's net/http (so kube-apiserver) and nginx both still write. "Unknown" for a status not in
// the table.
const char* HttpReasonPhrase(int status);

}  // namespace waygate
