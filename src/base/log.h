// Minimal leveled logging to stderr. Logging is for the control path and for rare data-path
// events (errors); never call it per request.
#pragma once

#include <string_view>

namespace waygate::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void SetLevel(Level level);
Level GetLevel();
void Write(Level level, std::string_view message);

inline void Debug(std::string_view m) {
  if (GetLevel() <= Level::kDebug) Write(Level::kDebug, m);
}
inline void Info(std::string_view m) { Write(Level::kInfo, m); }
inline void Warn(std::string_view m) { Write(Level::kWarn, m); }
inline void Error(std::string_view m) { Write(Level::kError, m); }

}  // namespace waygate::log
