// HumanDuration, rule for rule as k8s.io/apimachinery/pkg/util/duration: ~2-3 significant
// figures, with every threshold kept (kubectl users compare AGE columns across clusters).
#include <string>

#include "printers/table.h"

namespace waygate::printers {

std::string HumanDuration(std::chrono::nanoseconds d) {
  using std::to_string;
  const int64_t ns = d.count();
  // Go's int(d.Seconds()) truncates toward zero, as C++ integer division does. Up to two
  // seconds in the future still reads as "0s", tolerating clock skew between machines.
  const int64_t seconds = ns / 1000000000;
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return to_string(seconds) + "s";

  const int64_t minutes = ns / (60 * int64_t{1000000000});
  if (minutes < 10) {
    const int64_t s = seconds % 60;
    if (s == 0) return to_string(minutes) + "m";
    return to_string(minutes) + "m" + to_string(s) + "s";
  }
  if (minutes < 60 * 3) return to_string(minutes) + "m";

  const int64_t hours = ns / (3600 * int64_t{1000000000});
  if (hours < 8) {
    const int64_t m = minutes % 60;
    if (m == 0) return to_string(hours) + "h";
    return to_string(hours) + "h" + to_string(m) + "m";
  }
  if (hours < 48) return to_string(hours) + "h";
  if (hours < 24 * 8) {
    const int64_t h = hours % 24;
    if (h == 0) return to_string(hours / 24) + "d";
    return to_string(hours / 24) + "d" + to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    const int64_t dy = (hours / 24) % 365;
    if (dy == 0) return to_string(hours / 24 / 365) + "y";
    return to_string(hours / 24 / 365) + "y" + to_string(dy) + "d";
  }
  return to_string(hours / 24 / 365) + "y";
}

}  // namespace waygate::printers
