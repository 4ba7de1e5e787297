// Records core/v1 Warning Events about Ingresses and Gateways the way client-go's event recorder
// does: name "<object>.<unix nanos in hex>", source and reportingComponent set to our
// component, and repeats of the same (object, type, reason, message) aggregated into one Event
// whose count and lastTimestamp grow instead of a new object per occurrence.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "api/registry.h"
#include "base/result.h"
#include "controller/ingress_refs.h"

namespace waygate::controller {

// The involvedObject of an Event.
struct EventObject {
  std::string kind;         // "Gateway"
  std::string api_version;  // "gateway.kubesphere.io/v1alpha1"
  std::string namespace_;   // the Event is written here too
  std::string name;
  std::string uid;
  std::string resource_version;
};

class EventRecorder {
 public:
  enum class Outcome {
    kCreated,     // a new Event object
    kAggregated,  // count and lastTimestamp of the existing one grew
    kSkipped,     // the namespace is gone or terminating: kube would refuse the Event too
  };

  // `now` gives RFC 3339 timestamps (api::NowRfc3339 unless a test pins the clock).
  EventRecorder(api::Registry* registry, std::string component,
                std::function<std::string()> now = {});

  // Learns the Events this component wrote earlier (before a restart), so a problem that is
  // still there aggregates into its old Event rather than starting a second one.
  Status Seed();

  Result<Outcome> Warning(const EventObject& object, std::string_view reason,
                          std::string_view message);
  Result<Outcome> Warning(const IngressRefs& ingress, std::string_view reason,
                          std::string_view message);

  // The object is gone: drop its aggregation entries (its Events stay, as in kube).
  void Forget(std::string_view uid);

  size_t tracked() const { return events_.size(); }

 private:
  struct Location {
    std::string namespace_;
    std::string name;
  };

  static std::string AggregationKey(std::string_view uid, std::string_view kind,
                                    std::string_view ns, std::string_view name,
                                    std::string_view reason, std::string_view message);
  bool NamespaceAcceptsWrites(const std::string& ns);
  // kNotFound when the Event was deleted behind our back (the caller creates a new one).
  Result<Outcome> Bump(const Location& where);
  Result<Outcome> CreateNew(const EventObject& object, std::string_view reason,
                            std::string_view message, const std::string& key);
  std::string NextName(std::string_view base);

  api::Registry* registry_;
  std::string component_;
  std::function<std::string()> now_;
  // Aggregation key (uid first, so Forget erases one range) -> where its Event lives.
  std::map<std::string, Location> events_;
  int64_t last_nanos_ = 0;
};

}  // namespace waygate::controller
