// A store::Store that passes every call to another store. Tests derive from it and override only
// the calls they interfere with (a write slipped in before a delete, a watch cut or refused).
#pragma once

#include <memory>
#include <string_view>

#include "store/store.h"

namespace waygate::testing {

class ForwardingStore : public store::Store {
 public:
  explicit ForwardingStore(store::Store* inner) : inner_(inner) {}

  Result<store::RangeResult> Get(std::string_view key) override { return inner_->Get(key); }
  Result<store::RangeResult> Range(std::string_view prefix, std::string_view start_after,
                                   int64_t limit, int64_t revision) override {
    return inner_->Range(prefix, start_after, limit, revision);
  }
  Result<store::KeyValue> Create(std::string_view key, std::string_view value) override {
    return inner_->Create(key, value);
  }
  Result<store::KeyValue> Update(std::string_view key, std::string_view value,
                                 int64_t expected) override {
    return inner_->Update(key, value, expected);
  }
  Result<store::Event> Delete(std::string_view key, int64_t expected) override {
    return inner_->Delete(key, expected);
  }
  int64_t CurrentRevision() override { return inner_->CurrentRevision(); }
  Result<std::unique_ptr<store::Watch>> WatchPrefix(std::string_view prefix, int64_t after,
                                                    store::WatchCallbacks callbacks) override {
    return inner_->WatchPrefix(prefix, after, std::move(callbacks));
  }
  Status Compact(int64_t revision) override { return inner_->Compact(revision); }
  int64_t CompactedRevision() override { return inner_->CompactedRevision(); }

 protected:
  store::Store* inner_;
};

}  // namespace waygate::testing
