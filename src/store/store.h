// Store: the API server's storage contract, shaped like etcd v3 so an etcd backend is a thin
// translation (the next wave adds src/store/etcd/).
//
// Model
//  * Keys are byte strings ("/registry/networking.k8s.io/ingresses/demo/web"); values are
//    opaque bytes (JSON text). Keys sort bytewise.
//  * One global revision counts every successful write. It only grows, survives restarts, and
//    is the Kubernetes resourceVersion. An empty store is at revision 1 (as etcd), so the first
//    write gets revision 2 and no object ever has resourceVersion "0".
//  * Per key: create_revision (the write that created it), mod_revision (the last write),
//    version (writes since creation, 1 after create; a delete resets the key's life).
//  * Writes are compare-and-swap on mod_revision, the way kube-apiserver uses etcd Txn.
//  * History: every write is an Event kept until Compact(). Range can read a past revision
//    and a watch can start after a past revision, as long as it is not compacted (kGone -> 410).
//
// Errors: kConflict (compare failed / already exists), kNotFound, kInvalid (bad argument or a
// future revision), kGone (compacted), kIo (the backend failed; the write may not be applied).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace waygate::store {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
};

enum class EventType { kPut, kDelete };

// kPut: kv is the new state, prev_kv the state it replaced (absent on create).
// kDelete: kv.key and kv.mod_revision (= the delete's revision) are set, the rest is empty;
// prev_kv is the last value before the delete (always present).
struct Event {
  EventType type = EventType::kPut;
  KeyValue kv;
  std::optional<KeyValue> prev_kv;
};

struct RangeResult {
  std::vector<KeyValue> kvs;  // sorted by key
  int64_t revision = 0;       // the revision the read was served at
  bool more = false;          // more keys match beyond `limit`
  int64_t count = 0;          // keys matching (prefix, start_after) at `revision`, ignoring limit
};

// A running watch. Destroying it stops delivery: when the destructor returns no callback is
// running or will run again (unless it is destroyed from inside its own callback, which is
// allowed: delivery then stops after that callback returns).
class Watch {
 public:
  virtual ~Watch() = default;
  // Every event with revision <= DeliveredRevision() has been handed to on_event (whether or
  // not it matched the prefix). Use it for Kubernetes bookmarks.
  virtual int64_t DeliveredRevision() const = 0;
};

struct WatchCallbacks {
  // Called in revision order, one call at a time, on a thread owned by the store. No gaps, no
  // duplicates: resuming with after_revision = the last revision seen continues exactly.
  std::function<void(const Event&)> on_event;
  // Called at most once, after the last on_event, when the store ends the watch itself:
  //  kGone: the watcher fell behind the compaction point; relist, then watch again.
  //  kIo:   the store is closing or failed to read its history; re-watch from the last
  //         revision seen (or fail the request).
  // Not called when the Watch handle is destroyed. May be empty.
  std::function<void(const Error&)> on_close;
};

class Store {
 public:
  virtual ~Store() = default;

  // The current value of `key` (0 or 1 kv) at the latest revision.
  virtual Result<RangeResult> Get(std::string_view key) = 0;

  // Keys starting with `prefix` ("" = all) and sorting after `start_after` ("" = from the
  // first), at most `limit` of them (0 = no limit), read at `revision` (0 = latest). Paging:
  // pass the returned revision and the last key as start_after to read the next page of the
  // same snapshot. kGone if `revision` is compacted, kInvalid if it is in the future.
  virtual Result<RangeResult> Range(std::string_view prefix, std::string_view start_after,
                                    int64_t limit, int64_t revision) = 0;

  // kConflict if the key exists.
  virtual Result<KeyValue> Create(std::string_view key, std::string_view value) = 0;
  // kNotFound if absent; kConflict if expected_mod_revision != 0 and differs from the key's.
  virtual Result<KeyValue> Update(std::string_view key, std::string_view value,
                                  int64_t expected_mod_revision) = 0;
  // kNotFound if absent; kConflict as for Update. Returns the delete event (its revision in
  // kv.mod_revision, the deleted value in prev_kv).
  virtual Result<Event> Delete(std::string_view key, int64_t expected_mod_revision) = 0;

  virtual int64_t CurrentRevision() = 0;

  // Events with revision > after_revision for keys starting with `prefix` (0 = from now).
  // kGone if after_revision + 1 is compacted already; the history is replayed first, then live
  // events follow as they commit.
  virtual Result<std::unique_ptr<Watch>> WatchPrefix(std::string_view prefix,
                                                     int64_t after_revision,
                                                     WatchCallbacks callbacks) = 0;

  // Drops history before `revision`: reads and watches that need an older revision get kGone
  // from then on. Compacting to an already compacted revision is a no-op; kInvalid if
  // `revision` is in the future.
  virtual Status Compact(int64_t revision) = 0;

  // The oldest revision still readable (1 if never compacted).
  virtual int64_t CompactedRevision() = 0;
};

// The end of the key range that holds every key starting with `prefix` (etcd's "range_end"):
// the prefix with its last byte below 0xff incremented. nullopt when there is no bound (""
// or all 0xff bytes).
std::optional<std::string> PrefixEnd(std::string_view prefix);

}  // namespace waygate::store
