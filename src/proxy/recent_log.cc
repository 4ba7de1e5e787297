#include "proxy/recent_log.h"

#include <cctype>

namespace waygate::proxy {
namespace {

bool ContainsIgnoringCase(std::string_view text, std::string_view keyword) {
  if (keyword.empty()) return true;
  auto it = std::search(text.begin(), text.end(), keyword.begin(), keyword.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != text.end();
}

}  // namespace

void RecentLog::Add(const std::vector<std::string>& names, const LogRecord* records, size_t n) {
  if (n == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  Ring* ring = nullptr;
  uint32_t ring_gateway = 0;
  for (size_t i = 0; i < n; ++i) {
    const LogRecord& r = records[i];
    if (r.gateway >= names.size()) continue;
    if (ring == nullptr || r.gateway != ring_gateway) {
      ring = &rings_[names[r.gateway]];
      ring_gateway = r.gateway;
    }
    if (ring->records.size() < kLinesPerGateway) {
      ring->records.push_back(r);
    } else {
      ring->records[ring->next] = r;
      ring->next = (ring->next + 1) % kLinesPerGateway;
    }
  }
}

std::vector<std::string> RecentLog::Tail(const std::string& gateway, size_t tail,
                                         std::string_view keyword) const {
  std::vector<std::string> lines;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rings_.find(gateway);
  if (it == rings_.end()) return lines;
  const Ring& ring = it->second;
  const size_t size = ring.records.size();
  // Newest first, so a small tail formats only what it returns (plus what the keyword skips).
  for (size_t k = 0; k < size && (tail == 0 || lines.size() < tail); ++k) {
    const size_t newest = size < kLinesPerGateway ? size - 1 - k
                                                  : (ring.next + size - 1 - k) % size;
    std::string line = FormatLogLine(ring.records[newest]);
    if (ContainsIgnoringCase(line, keyword)) lines.push_back(std::move(line));
  }
  std::reverse(lines.begin(), lines.end());
  return lines;
}

void RecentLogBuffer::Flush(const std::vector<std::string>& names, RecentLog* log) {
  if (size_ == 0) return;
  // The ring may wrap: hand it over as its two contiguous halves, oldest first.
  const size_t first = std::min(size_, kPending - start_);
  log->Add(names, &records_[start_], first);
  log->Add(names, &records_[0], size_ - first);
  start_ = 0;
  size_ = 0;
}

}  // namespace waygate::proxy
