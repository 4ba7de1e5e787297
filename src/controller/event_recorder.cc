#include "controller/event_recorder.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "api/admission.h"
#include "api/resources.h"

namespace waygate::controller {
namespace {

using nlohmann::json;

constexpr char kSeparator = '\n';  // cannot occur in a uid
constexpr int kUpdateAttempts = 4;

const api::ResourceInfo& EventsInfo() {
  static const api::ResourceInfo* info = api::FindResource("", "v1", "events");
  return *info;
}

const api::ResourceInfo& NamespacesInfo() {
  static const api::ResourceInfo* info = api::FindResource("", "v1", "namespaces");
  return *info;
}

// json::value() throws on a wrong type; Events written by other clients are not ours to trust.
std::string Str(const json& object, const char* field) {
  if (!object.is_object()) return {};
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string StringAt(const json& object, const char* outer, const char* inner) {
  auto o = object.find(outer);
  return o == object.end() ? std::string() : Str(*o, inner);
}

}  // namespace

EventRecorder::EventRecorder(api::Registry* registry, std::string component,
                             std::function<std::string()> now)
    : registry_(registry), component_(std::move(component)), now_(std::move(now)) {
  if (!now_) now_ = [] { return api::NowRfc3339(); };
}

std::string EventRecorder::AggregationKey(std::string_view uid, std::string_view kind,
                                          std::string_view ns, std::string_view name,
                                          std::string_view reason, std::string_view message) {
  // client-go's getEventKey: the involved object (not its resourceVersion), type, reason and
  // message. Only Warnings are written here, so the type is implied.
  std::string key;
  for (std::string_view part : {uid, kind, ns, name, reason, message}) {
    key += part;
    key += kSeparator;
  }
  return key;
}

Status EventRecorder::Seed() {
  auto list = registry_->List(EventsInfo(), "", api::ListOptions{});
  if (!list.ok()) return list.error();
  for (const json& event : list->items) {
    if (Str(event, "reportingComponent") != component_ &&
        StringAt(event, "source", "component") != component_) {
      continue;
    }
    if (Str(event, "type") != "Warning") continue;
    auto involved = event.find("involvedObject");
    if (involved == event.end() || !involved->is_object()) continue;
    std::string key =
        AggregationKey(Str(*involved, "uid"), Str(*involved, "kind"), Str(*involved, "namespace"),
                       Str(*involved, "name"), Str(event, "reason"), Str(event, "message"));
    // Several Events with one key (written by an older build): any one of them will do.
    events_[key] =
        Location{StringAt(event, "metadata", "namespace"), StringAt(event, "metadata", "name")};
  }
  return OkStatus();
}

Result<EventRecorder::Outcome> EventRecorder::Warning(const IngressRefs& ingress,
                                                      std::string_view reason,
                                                      std::string_view message) {
  return Warning(EventObject{"Ingress", "networking.k8s.io/v1", ingress.namespace_, ingress.name,
                             ingress.uid, ingress.resource_version},
                 reason, message);
}

Result<EventRecorder::Outcome> EventRecorder::Warning(const EventObject& object,
                                                      std::string_view reason,
                                                      std::string_view message) {
  if (!NamespaceAcceptsWrites(object.namespace_)) return Outcome::kSkipped;
  std::string key =
      AggregationKey(object.uid, object.kind, object.namespace_, object.name, reason, message);
  auto it = events_.find(key);
  if (it != events_.end()) {
    auto bumped = Bump(it->second);
    if (bumped.ok() || bumped.error().code != ErrorCode::kNotFound) return bumped;
    events_.erase(it);  // deleted by someone: start a new one, as the recorder's patch would
  }
  return CreateNew(object, reason, message, key);
}

void EventRecorder::Forget(std::string_view uid) {
  if (uid.empty()) return;
  std::string from = std::string(uid) + kSeparator;
  std::string to = std::string(uid) + static_cast<char>(kSeparator + 1);
  events_.erase(events_.lower_bound(from), events_.lower_bound(to));
}

bool EventRecorder::NamespaceAcceptsWrites(const std::string& ns) {
  auto got = registry_->Get(NamespacesInfo(), "", ns);
  if (!got.ok()) return false;
  return !(*got)["metadata"].contains("deletionTimestamp");
}

Result<EventRecorder::Outcome> EventRecorder::Bump(const Location& where) {
  for (int attempt = 0; attempt < kUpdateAttempts; ++attempt) {
    auto got = registry_->Get(EventsInfo(), where.namespace_, where.name);
    if (!got.ok()) return got.error();
    json event = std::move(*got);
    auto revision = api::ParseResourceVersion(StringAt(event, "metadata", "resourceVersion"));
    int64_t count = event.contains("count") && event["count"].is_number_integer()
                        ? event["count"].get<int64_t>()
                        : 1;
    event["count"] = count + 1;
    event["lastTimestamp"] = now_();
    auto updated = registry_->Update(EventsInfo(), std::move(event), revision.value_or(0));
    if (updated.ok()) return Outcome::kAggregated;
    if (updated.error().code != ErrorCode::kConflict) return updated.error();
    // Someone else wrote the Event meanwhile: read it again and add our occurrence.
  }
  return MakeError(ErrorCode::kConflict, "event " + where.namespace_ + "/" + where.name +
                                             " kept changing while being updated");
}

Result<EventRecorder::Outcome> EventRecorder::CreateNew(const EventObject& object,
                                                        std::string_view reason,
                                                        std::string_view message,
                                                        const std::string& key) {
  std::string now = now_();
  for (int attempt = 0; attempt < kUpdateAttempts; ++attempt) {
    json event = {
        {"apiVersion", "v1"},
        {"kind", "Event"},
        {"metadata", {{"name", NextName(object.name)}, {"namespace", object.namespace_}}},
        {"involvedObject",
         {{"kind", object.kind},
          {"namespace", object.namespace_},
          {"name", object.name},
          {"uid", object.uid},
          {"apiVersion", object.api_version},
          {"resourceVersion", object.resource_version}}},
        {"reason", std::string(reason)},
        {"message", std::string(message)},
        {"source", {{"component", component_}}},
        {"firstTimestamp", now},
        {"lastTimestamp", now},
        {"count", 1},
        {"type", "Warning"},
        {"eventTime", nullptr},
        {"reportingComponent", component_},
        {"reportingInstance", ""},
    };
    // The server's own fields (uid, creationTimestamp); no user: components write Events.
    api::PrepareForCreate(EventsInfo(), event, api::WriteContext{"", now});
    std::string name = event["metadata"]["name"].get<std::string>();
    auto created = registry_->Create(EventsInfo(), std::move(event));
    if (created.ok()) {
      events_[key] = Location{object.namespace_, name};
      return Outcome::kCreated;
    }
    if (created.error().code != ErrorCode::kConflict) return created.error();
    // The name is taken (another writer, same nanosecond): take the next one.
  }
  return MakeError(ErrorCode::kConflict,
                   "no free event name for " + object.kind + " " + object.name);
}

std::string EventRecorder::NextName(std::string_view base) {
  int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  // Strictly increasing, so two Events in one clock tick still get distinct names.
  if (nanos <= last_nanos_) nanos = last_nanos_ + 1;
  last_nanos_ = nanos;
  char hex[24];
  std::snprintf(hex, sizeof hex, "%" PRIx64, static_cast<uint64_t>(nanos));
  std::string name(base);
  name += '.';
  name += hex;
  return name;
}

}  // namespace waygate::controller
