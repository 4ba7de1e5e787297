// Reflector: keeps a consumer in step with one resource of the API, like client-go's reflector.
//
//            +-------- 410 (HTTP or ERROR event): relist, deliver the difference --------+
//            v                                                                           |
//   start -> LIST (paged) -> deliver list batch -> WATCH from the list's resourceVersion --+
//            ^   | error: backoff           ^        | server ended it (timeoutSeconds):
//            |   v                          |        |   re-watch at once from the last RV
//            +---+                          +--------+ dropped / 5xx: backoff, re-watch from
//                                                        the last RV (bookmarks advance it)
//
// The consumer gets Batches on the reflector's thread, in order. A list (first or re-list) is
// always one batch holding the whole difference to what was delivered before, so a consumer that
// applies batches whole never sees a half-applied relist. The reflector remembers only each
// object's key and resourceVersion (to compute that difference), never the objects.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "kubeclient/api_client.h"
#include "kubeclient/backoff.h"

namespace waygate::kubeclient {

enum class DeltaType { kAdded, kModified, kDeleted };
const char* ToString(DeltaType type);

struct Delta {
  DeltaType type = DeltaType::kAdded;
  std::string key;  // "namespace/name", or "name" for cluster-scoped objects
  // The object with apiVersion and kind filled in. For a deletion found by a relist (the
  // watch missed it) only apiVersion, kind and metadata name/namespace are known.
  nlohmann::json object;
};

struct Batch {
  // True when this batch brings the consumer to a complete, fresh list (the first list, or a
  // relist after 410 or a missing resource). Deltas hold only what changed.
  bool list = false;
  std::string resource_version;  // the last resourceVersion seen once this batch is applied
  std::vector<Delta> deltas;     // empty for a bookmark (only the resourceVersion moved)
};

struct ReflectorOptions {
  std::string path;         // collection path, e.g. "/apis/networking.k8s.io/v1/ingresses"
  std::string api_version;  // "networking.k8s.io/v1": set on list items (the API omits it)
  std::string kind;         // "Ingress"
  int page_size = 500;
  int watch_timeout_seconds = 300;
  std::string label_selector;
  std::string field_selector;
  // A 404 for the collection (a CRD not installed on a real cluster) means "no objects", not
  // an error to retry quickly: deliver an empty list and look again after `missing_recheck`.
  bool missing_is_empty = false;
  std::chrono::milliseconds missing_recheck{60000};
  BackoffPolicy backoff;
};

struct ReflectorStats {
  uint64_t lists = 0;    // successful lists (the first one included)
  uint64_t relists = 0;  // lists forced by 410 Gone
  uint64_t watches = 0;  // watch requests that returned (reconnects)
  uint64_t events = 0;   // watch events received, bookmarks included
  uint64_t errors = 0;
  bool synced = false;  // a first list was delivered
  std::string resource_version;
  std::string last_error;
};

class Reflector {
 public:
  using Handler = std::function<void(Batch&& batch)>;

  // Starts the reflector's thread at once; `handler` is called on it.
  static std::unique_ptr<Reflector> Start(std::shared_ptr<Cluster> cluster,
                                          ReflectorOptions options, Handler handler);
  ~Reflector();  // Stop() and join
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  // Ends the request in flight and the thread's loop; prompt (no wait for a timeout).
  void Stop();
  ReflectorStats stats() const;
  const ReflectorOptions& options() const { return options_; }

 private:
  Reflector(std::shared_ptr<Cluster> cluster, ReflectorOptions options, Handler handler);
  void Run();
  void DeliverList(std::vector<nlohmann::json>& items, const std::string& resource_version);
  void HandleEvents(std::vector<WatchEvent>& events);
  void Sleep(std::chrono::milliseconds duration);
  void RecordError(const Error& error);
  std::string KeyOf(const nlohmann::json& object) const;
  void FillTypeMeta(nlohmann::json& object) const;

  ReflectorOptions options_;
  Handler handler_;
  Client client_;
  std::map<std::string, std::string> known_;  // key -> resourceVersion, as delivered
  std::string resource_version_;              // where the next watch starts

  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;  // guards stats_ and the sleep below
  std::condition_variable wake_;
  ReflectorStats stats_;
  std::thread thread_;
};

}  // namespace waygate::kubeclient
