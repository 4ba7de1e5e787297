#include "kubeclient/watch_decoder.h"

namespace waygate::kubeclient {
namespace {

constexpr int kMaxDepth = 512;  // deeper nesting is no Kubernetes object; refuse before parsing

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

const char* ToString(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
    case EventType::kBookmark:
      return "BOOKMARK";
    case EventType::kError:
      return "ERROR";
  }
  return "?";
}

ApiStatus ParseApiStatus(const nlohmann::json& value) {
  ApiStatus s;
  if (!value.is_object()) return s;
  if (auto it = value.find("code"); it != value.end() && it->is_number_integer()) {
    s.code = it->get<int>();
  }
  if (auto it = value.find("reason"); it != value.end() && it->is_string()) {
    s.reason = it->get<std::string>();
  }
  if (auto it = value.find("message"); it != value.end() && it->is_string()) {
    s.message = it->get<std::string>();
  }
  return s;
}

Status WatchDecoder::Emit(std::string_view text, std::vector<WatchEvent>& out) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return MakeError(ErrorCode::kInvalid, "watch stream: invalid JSON");
  auto type = value.find("type");
  auto object = value.find("object");
  if (type == value.end() || !type->is_string() || object == value.end() || !object->is_object()) {
    return MakeError(ErrorCode::kInvalid, "watch stream: event without type and object");
  }
  const std::string& t = type->get_ref<const std::string&>();
  WatchEvent event;
  if (t == "ADDED") {
    event.type = EventType::kAdded;
  } else if (t == "MODIFIED") {
    event.type = EventType::kModified;
  } else if (t == "DELETED") {
    event.type = EventType::kDeleted;
  } else if (t == "BOOKMARK") {
    event.type = EventType::kBookmark;
  } else if (t == "ERROR") {
    event.type = EventType::kError;
  } else {
    return MakeError(ErrorCode::kInvalid, "watch stream: unknown event type \"" + t + "\"");
  }
  event.object = std::move(*object);
  out.push_back(std::move(event));
  return OkStatus();
}

Status WatchDecoder::Feed(std::string_view data, std::vector<WatchEvent>& out) {
  size_t start = 0;  // where the current event's bytes begin inside `data`
  for (size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    if (depth_ == 0) {
      if (IsSpace(c)) {
        start = i + 1;
        continue;
      }
      if (c != '{') return MakeError(ErrorCode::kInvalid, "watch stream: expected an object");
      start = i;
      depth_ = 1;
      continue;
    }
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      if (++depth_ > kMaxDepth) return MakeError(ErrorCode::kInvalid, "watch stream: too deep");
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        Status s = OkStatus();
        if (buffer_.empty()) {
          s = Emit(data.substr(start, i + 1 - start), out);
        } else {
          buffer_.append(data.data() + start, i + 1 - start);
          s = Emit(buffer_, out);
          buffer_.clear();
        }
        if (!s.ok()) return s;
        start = i + 1;
      }
    }
  }
  if (depth_ > 0) {
    buffer_.append(data.data() + start, data.size() - start);
    if (buffer_.size() > max_event_) {
      return MakeError(ErrorCode::kInvalid,
                       "watch stream: event larger than " + std::to_string(max_event_) + " bytes");
    }
  }
  return OkStatus();
}

}  // namespace waygate::kubeclient
