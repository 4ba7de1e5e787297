// The console's files, compiled into the binary by embed.py (generated console_assets.cc).
#pragma once

#include <span>
#include <string_view>

namespace waygate::console {

struct Asset {
  std::string_view path;          // relative to /console/, e.g. "main-3KX2ZQ7A.js"
  std::string_view content_type;
  std::string_view raw;
  std::string_view gzip;          // empty when compressing did not make it smaller
  std::string_view etag;          // strong, quoted
};

std::span<const Asset> Assets();  // sorted by path
bool ConsoleBuilt();              // false: only the "console not built" placeholder page
}  // namespace waygate::console
