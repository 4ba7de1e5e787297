#include "apply/go_text.h"

#include <cmath>
#include <cstdio>

namespace waygate::apply {

std::string GoJson(const nlohmann::json& value) {
  return gotext::HtmlEscapeJson(
      value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string GoValueString(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  if (value.is_string()) return GoQuote(value.get_ref<const std::string&>());
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // Go's %v prints integral floats below 1e21 without a fraction ("80", not "80.0").
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e21) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.0f", d);
      return buf;
    }
    return value.dump();
  }
  if (value.is_number()) return value.dump();
  std::string out = value.is_array() ? "[" : "{";
  bool first = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!first) out += ",";
    first = false;
    if (value.is_object()) out += it.key() + "=";
    out += GoValueString(*it);
  }
  out += value.is_array() ? "]" : "}";
  return out;
}

}  // namespace waygate::apply
