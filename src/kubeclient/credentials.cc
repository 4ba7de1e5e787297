#include "kubeclient/credentials.h"

#include "base/log.h"
#include "kubeclient/read_file.h"

namespace waygate::kubeclient {

Credentials::Credentials(const Config& config, std::chrono::milliseconds refresh)
    : token_(config.token), file_(config.token_file), refresh_(refresh) {}

std::string Credentials::Token() {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (!file_.empty() && now >= next_read_) {
    next_read_ = now + refresh_;
    auto content = ReadWholeFile(file_);
    if (content.ok()) {
      std::string& t = *content;
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      if (!t.empty()) token_ = std::move(t);
    } else {
      // Keep presenting the last good token: a rotation in progress must not cut us off.
      log::Warn("kubeclient: cannot re-read token: " + content.error().message);
    }
  }
  return token_;
}

void Credentials::Invalidate() {
  std::lock_guard lock(mu_);
  next_read_ = {};
}

}  // namespace waygate::kubeclient
