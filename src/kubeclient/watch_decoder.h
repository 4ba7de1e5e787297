// The body of a watch response (`?watch=true`, Accept: application/json): a stream of JSON
// objects {"type": "ADDED|MODIFIED|DELETED|BOOKMARK|ERROR", "object": {...}}, one after the
// other (kube-apiserver puts a newline after each; nothing here depends on it, nor on how the
// stream was cut into chunks or reads). No I/O.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace waygate::kubeclient {

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };
const char* ToString(EventType type);

struct WatchEvent {
  EventType type = EventType::kAdded;
  nlohmann::json object;  // the object; for kError a metav1.Status
};

// A metav1.Status, as carried by ERROR events and non-2xx responses.
struct ApiStatus {
  int code = 0;        // HTTP status it stands for (410 for "too old resource version")
  std::string reason;  // "Expired", "Gone", "NotFound", ...
  std::string message;
};
// Reads what it can from `value`; fields that are absent or of the wrong type stay empty.
ApiStatus ParseApiStatus(const nlohmann::json& value);

class WatchDecoder {
 public:
  // A larger event is an error (the stream can no longer be trusted): Kubernetes objects are
  // capped at about 1.5 MiB by etcd, so the default leaves a wide margin.
  explicit WatchDecoder(size_t max_event_bytes = 64 << 20) : max_event_(max_event_bytes) {}

  // Appends every event completed by `data` to `out`. An error (not JSON, not an event object,
  // an unknown type, too large) is final: the caller drops the stream.
  Status Feed(std::string_view data, std::vector<WatchEvent>& out);
  // True when no partial event is buffered: the stream may end here cleanly.
  bool idle() const { return buffer_.empty() && depth_ == 0; }

 private:
  Status Emit(std::string_view text, std::vector<WatchEvent>& out);
  size_t max_event_;
  std::string buffer_;  // bytes of the event being read (starting at its '{')
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
};

}  // namespace waygate::kubeclient
