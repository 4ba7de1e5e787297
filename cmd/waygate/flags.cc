#include "flags.h"

#include <cstdlib>

#include "base/log.h"

namespace waygate::cmd {

Result<Flags> Flags::Parse(const std::vector<std::string>& args, const std::set<std::string>& known,
                           const std::set<std::string>& booleans) {
  Flags f;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) return MakeError(ErrorCode::kInvalid, "unexpected argument: " + a);
    std::string name = a.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (!known.count(name)) return MakeError(ErrorCode::kInvalid, "unknown flag --" + name);
    if (booleans.count(name)) {
      f.values_.emplace(name, has_value ? value : "true");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size())
        return MakeError(ErrorCode::kInvalid, "--" + name + " needs a value");
      value = args[++i];
    }
    f.values_.emplace(name, value);
  }
  return f;
}

std::string Flags::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  // The last occurrence wins, as in most CLIs.
  auto range = values_.equal_range(name);
  std::string v;
  for (auto i = range.first; i != range.second; ++i) v = i->second;
  return v;
}

std::vector<std::string> Flags::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(name);
  for (auto i = range.first; i != range.second; ++i) out.push_back(i->second);
  return out;
}

Result<int> Flags::GetInt(const std::string& name, int fallback) const {
  if (!Has(name)) return fallback;
  std::string v = Get(name);
  char* end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != 0 || n < 0 || n > 1'000'000) {
    return MakeError(ErrorCode::kInvalid, "--" + name + ": not a number: " + v);
  }
  return static_cast<int>(n);
}

bool SetLogLevel(std::string_view level) {
  if (level == "debug") {
    log::SetLevel(log::Level::kDebug);
  } else if (level == "info") {
    log::SetLevel(log::Level::kInfo);
  } else if (level == "warn") {
    log::SetLevel(log::Level::kWarn);
  } else if (level == "error") {
    log::SetLevel(log::Level::kError);
  } else {
    return false;
  }
  return true;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  size_t digits = 0;
  int64_t value = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9' && digits < 12) {
    value = value * 10 + (text[digits] - '0');
    ++digits;
  }
  std::string_view unit = text.substr(digits);
  if (digits == 0) return MakeError(ErrorCode::kInvalid, "not a duration: " + std::string(text));
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit == "s") return std::chrono::milliseconds(value * 1000);
  if (unit == "m") return std::chrono::milliseconds(value * 60'000);
  if (unit == "h") return std::chrono::milliseconds(value * 3'600'000);
  return MakeError(ErrorCode::kInvalid, "not a duration: " + std::string(text));
}

}  // namespace waygate::cmd
