#include "apistatus/api_status.h"

#include <string_view>

#include "base/go_text.h"

namespace waygate::apistatus {
namespace {

using Ordered = nlohmann::ordered_json;

// Copies `key` from `from` when present and non-empty, as Go's `omitempty` would.
void CopyIfSet(const nlohmann::json& from, std::string_view key, Ordered& to) {
  auto it = from.find(key);
  if (it == from.end() || it->is_null()) return;
  // json::empty() is false for every string, so strings are checked by their text.
  if (it->is_string() && it->get_ref<const std::string&>().empty()) return;
  if ((it->is_array() || it->is_object()) && it->empty()) return;
  if (it->is_number() && *it == 0) return;
  to[std::string(key)] = *it;
}

Ordered OrderedCause(const nlohmann::json& cause) {
  Ordered out = Ordered::object();
  if (!cause.is_object()) return out;
  for (std::string_view key : {"reason", "message", "field"}) CopyIfSet(cause, key, out);
  return out;
}

Ordered OrderedDetails(const nlohmann::json& details) {
  Ordered out = Ordered::object();
  if (!details.is_object()) return out;
  for (std::string_view key : {"name", "group", "kind", "uid"}) CopyIfSet(details, key, out);
  auto causes = details.find("causes");
  if (causes != details.end() && causes->is_array() && !causes->empty()) {
    Ordered list = Ordered::array();
    for (const auto& c : *causes) list.push_back(OrderedCause(c));
    out["causes"] = std::move(list);
  }
  CopyIfSet(details, "retryAfterSeconds", out);
  return out;
}

Ordered OrderedStatus(const ApiStatus& status) {
  Ordered out = Ordered::object();
  out["kind"] = "Status";
  out["apiVersion"] = "v1";
  out["metadata"] = Ordered::object();
  out["status"] = "Failure";
  if (!status.message.empty()) out["message"] = status.message;
  if (!status.reason.empty()) out["reason"] = status.reason;
  if (!status.details.is_null()) out["details"] = OrderedDetails(status.details);
  if (status.code != 0) out["code"] = status.code;
  return out;
}

}  // namespace

nlohmann::json ToJson(const ApiStatus& status) {
  // Round-trip through text: ordered_json and json are distinct types, and invalid UTF-8 in a
  // message must be replaced rather than throw.
  std::string text =
      OrderedStatus(status).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(text, nullptr, false);
}

std::string ToBody(const ApiStatus& status) {
  std::string text =
      OrderedStatus(status).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out = gotext::HtmlEscapeJson(text);
  out += '\n';
  return out;
}

}  // namespace waygate::apistatus
