// Flags: a tiny `--name value` / `--name=value` parser for the subcommands. Unknown flags and
// missing values are errors (a typo must not silently fall back to a default).
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace waygate::cmd {

class Flags {
 public:
  // `known`: flag names without "--"; `booleans`: those that take no value.
  static Result<Flags> Parse(const std::vector<std::string>& args,
                             const std::set<std::string>& known,
                             const std::set<std::string>& booleans = {});
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
  Result<int> GetInt(const std::string& name, int fallback) const;

 private:
  std::multimap<std::string, std::string> values_;
};

// "500ms", "30s", "5m", "1h" (one number and one unit).
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// --log-level debug|info|warn|error; false for anything else.
bool SetLogLevel(std::string_view level);

}  // namespace waygate::cmd
