#include "controller/gateway_status.h"

#include <algorithm>

#include "api/admission.h"
#include "api/resources.h"
#include "base/log.h"
#include "gateways/placement.h"
#include "model/decode_json.h"

namespace waygate::controller {
namespace {

using nlohmann::json;

// Ingress status writes per round before the thread looks at new watch events again: each is
// an fsync, and a newer gateway change should not wait behind 10k writes of an older one.
constexpr size_t kWritesPerRound = 64;

const api::ResourceInfo& InfoOf(const char* group, const char* version, const char* resource) {
  return *api::FindResource(group, version, resource);
}
const api::ResourceInfo& GatewayInfo() {
  static const api::ResourceInfo& info = InfoOf("gateway.kubesphere.io", "v1alpha1", "gateways");
  return info;
}
const api::ResourceInfo& NodeInfo() {
  static const api::ResourceInfo& info = InfoOf("", "v1", "nodes");
  return info;
}
const api::ResourceInfo& IngressInfo() {
  static const api::ResourceInfo& info = InfoOf("networking.k8s.io", "v1", "ingresses");
  return info;
}

std::optional<model::Gateway> DecodeGateway(const json& object) {
  model::ClusterState state;
  std::vector<model::Diagnostic> diagnostics;
  model::DecodeObject(object, model::Origin{"store", -1, -1}, state, diagnostics);
  if (state.gateways.empty()) return std::nullopt;
  return std::move(state.gateways.front());
}

// status.loadBalancer as stored; an absent one is the same as {} (nothing published).
json LoadBalancerOf(const json& object) {
  auto status = object.find("status");
  if (status == object.end() || !status->is_object()) return json::object();
  auto lb = status->find("loadBalancer");
  if (lb == status->end() || lb->is_null()) return json::object();
  return *lb;
}

// The stored status with our two fields replaced; anything else in it (written by other
// clients) is kept.
json MergedStatus(const json& stored, const json& ours) {
  json merged = stored.is_object() ? stored : json::object();
  json& service = merged["service"];
  if (!service.is_object()) service = json::object();
  service["ports"] = ours["service"]["ports"];
  merged["loadBalancer"] = ours["loadBalancer"];
  return merged;
}

std::string Str(const json& object, const char* field) {
  if (!object.is_object()) return {};
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool SameAccess(const gateways::GatewayAccess& a, const gateways::GatewayAccess& b) {
  return a.gateway == b.gateway && a.type == b.type && a.node_ports == b.node_ports &&
         a.lb_ports.http == b.lb_ports.http && a.lb_ports.https == b.lb_ports.https &&
         a.lb_address == b.lb_address && a.pending == b.pending &&
         a.node_addresses == b.node_addresses;
}

bool SameSnapshot(const AccessSnapshot& a, const AccessSnapshot& b) {
  if (a.gateways.size() != b.gateways.size() || a.hosts.size() != b.hosts.size()) return false;
  for (size_t i = 0; i < a.gateways.size(); ++i) {
    if (!SameAccess(a.gateways[i], b.gateways[i])) return false;
  }
  for (size_t i = 0; i < a.hosts.size(); ++i) {
    if (a.hosts[i].host != b.hosts[i].host || a.hosts[i].addresses != b.hosts[i].addresses) {
      return false;
    }
  }
  return true;
}

}  // namespace

// ---- AccessSnapshot ----

const gateways::GatewayAccess* AccessSnapshot::ForNamespace(std::string_view ns) const {
  const model::Gateway* g = gateways::GatewayForNamespace(ns, gateway_objects);
  return g == nullptr ? nullptr : &gateways[static_cast<size_t>(g - gateway_objects.data())];
}

const gateways::GatewayAccess* AccessSnapshot::FindGateway(std::string_view key) const {
  for (const gateways::GatewayAccess& a : gateways) {
    if (a.gateway == key) return &a;
  }
  return nullptr;
}

const HostAccess* AccessSnapshot::FindHost(std::string_view host) const {
  auto it = std::lower_bound(hosts.begin(), hosts.end(), host,
                             [](const HostAccess& h, std::string_view v) { return h.host < v; });
  return it != hosts.end() && it->host == host ? &*it : nullptr;
}

// ---- lifecycle ----

Result<std::unique_ptr<GatewayStatusController>> GatewayStatusController::Start(
    store::Store* store, GatewayStatusOptions options) {
  if (store == nullptr) return MakeError(ErrorCode::kInvalid, "gateway status: no store");
  std::unique_ptr<GatewayStatusController> controller(
      new GatewayStatusController(store, std::move(options)));
  Status booted = controller->Bootstrap();
  if (!booted.ok()) return booted.error();
  controller->thread_ = std::thread([c = controller.get()] { c->Run(); });
  return controller;
}

GatewayStatusController::GatewayStatusController(store::Store* store, GatewayStatusOptions options)
    : registry_(store),
      options_(std::move(options)),
      recorder_(&registry_, options_.component),
      follower_(store,
                {api::KeyPrefix(GatewayInfo(), ""), api::KeyPrefix(NodeInfo(), ""),
                 api::KeyPrefix(IngressInfo(), "")},
                options_.retry, "gateway status",
                {[this](const StoreFollower::Change& change) { Apply(change); },
                 [this](size_t kind) { return KnownNames(kind); }}),
      snapshot_(std::make_shared<AccessSnapshot>()) {}

GatewayStatusController::~GatewayStatusController() {
  follower_.Stop();
  if (thread_.joinable()) thread_.join();
  // follower_ closes the watches as it is destroyed.
}

std::shared_ptr<const AccessSnapshot> GatewayStatusController::access() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return snapshot_;
}

Status GatewayStatusController::Bootstrap() {
  Status seeded = recorder_.Seed();
  if (!seeded.ok()) return seeded;
  Status followed = follower_.Bootstrap();
  if (!followed.ok()) return followed;
  // The first picture, without writing anything yet: readers get addresses at once.
  CheckNodes(false);
  Plan();
  MaybePublish(true);
  return OkStatus();
}

std::vector<std::string> GatewayStatusController::KnownNames(size_t kind) const {
  std::vector<std::string> known;
  if (kind == kGateway) {
    for (const auto& [name, unused] : gateways_) known.push_back(name);
  } else if (kind == kNode) {
    for (const auto& [name, unused] : nodes_) known.push_back(name);
  } else {
    for (const auto& [name, unused] : ingresses_) known.push_back(name);
  }
  return known;
}

// ---- the thread ----

GatewayStatusController::Clock::time_point GatewayStatusController::NextWakeup() const {
  Clock::time_point now = Clock::now();
  Clock::time_point wake = now + std::chrono::hours(1);
  const bool may_write = !retry_at_ || *retry_at_ <= now;
  if (plan_needed_ || (may_write && (gateways_dirty_ || !dirty_.empty()))) return now;
  if (retry_at_) wake = std::min(wake, *retry_at_);
  if (publish_at_) wake = std::min(wake, *publish_at_);
  if (next_stale_) {
    // Heartbeats are wall-clock times; wake just after the next one expires.
    auto left = *next_stale_ - WallClock::now();
    wake = std::min(
        wake, now +
                  std::max<Clock::duration>(Clock::duration::zero(),
                                            std::chrono::duration_cast<Clock::duration>(left)) +
                  std::chrono::milliseconds(5));
  }
  // A clock jump can move heartbeats under us; look again at least once per grace period.
  if (!nodes_.empty()) wake = std::min(wake, now + options_.node_grace);
  return wake;  // the follower wakes earlier for a watch it must retry
}

void GatewayStatusController::Run() {
  while (follower_.Wait(NextWakeup())) {
    follower_.Dispatch();
    const bool may_write = !retry_at_ || *retry_at_ <= Clock::now();
    if (may_write) retry_at_.reset();
    CheckNodes(may_write);
    if (plan_needed_) Plan();
    if (may_write && gateways_dirty_) WriteGateways();
    if (may_write) WriteIngresses(kWritesPerRound);
    MaybePublish(false);
  }
}

// ---- applying watch events ----

void GatewayStatusController::Apply(const StoreFollower::Change& change) {
  const std::string& name = change.name;
  const std::string* v = change.type == store::EventType::kPut ? &change.value : nullptr;
  switch (change.source) {
    case kGateway:
      ApplyGateway(name, v);
      break;
    case kNode:
      ApplyNode(name, v);
      break;
    default:
      ApplyIngress(name, v);
      break;
  }
}

void GatewayStatusController::ApplyGateway(const std::string& name, const std::string* value) {
  plan_needed_ = true;
  std::optional<model::Gateway> gateway;
  json object;
  if (value != nullptr) {
    object = json::parse(*value, nullptr, false);
    if (object.is_object()) gateway = DecodeGateway(object);
    if (!gateway) log::Warn("controller: gateway status: cannot read Gateway " + name);
  }
  if (!gateway) {
    auto it = gateways_.find(name);
    if (it != gateways_.end()) recorder_.Forget(it->second.object.meta.uid);
    gateways_.erase(name);
    held_.erase(name);
    warned_.erase(name);
    return;
  }
  if (held_.count(name) == 0) {
    std::string address = StatusAddress(*gateway);
    if (!address.empty()) held_[name] = address;  // kept across restarts: the status says so
  }
  auto status = object.find("status");
  GatewayRecord& record = gateways_[name];
  record.object = std::move(*gateway);
  record.status = status != object.end() ? *status : json();
}

void GatewayStatusController::ApplyNode(const std::string& name, const std::string* value) {
  if (value == nullptr) {
    nodes_.erase(name);
    return;
  }
  json object = json::parse(*value, nullptr, false);
  if (!object.is_object()) {
    log::Warn("controller: gateway status: cannot read Node " + name);
    nodes_.erase(name);
    return;
  }
  nodes_[name] = ParseNodeHealth(object);
}

void GatewayStatusController::ApplyIngress(const std::string& name, const std::string* value) {
  std::vector<std::string> old_hosts;
  if (auto it = ingresses_.find(name); it != ingresses_.end()) {
    old_hosts = it->second.hosts;
    ForgetIngressHosts(it->second);
    if (value == nullptr) {
      auto ns = by_namespace_.find(it->second.namespace_);
      if (ns != by_namespace_.end()) {
        ns->second.erase(name);
        if (ns->second.empty()) {
          desired_.erase(ns->first);
          by_namespace_.erase(ns);
        }
      }
      ingresses_.erase(it);
    }
  }
  if (value == nullptr) {
    if (!old_hosts.empty()) SchedulePublish();
    return;
  }
  json object = json::parse(*value, nullptr, false);
  if (!object.is_object()) {
    log::Warn("controller: gateway status: cannot read Ingress " + name);
    return;
  }
  IngressRecord& record = ingresses_[name];
  auto meta = object.find("metadata");
  record.namespace_ = meta != object.end() ? Str(*meta, "namespace") : std::string();
  record.hosts.clear();
  auto spec = object.find("spec");
  if (spec != object.end() && spec->is_object()) {
    auto rules = spec->find("rules");
    if (rules != spec->end() && rules->is_array()) {
      for (const json& rule : *rules) {
        std::string host = Str(rule, "host");
        if (!host.empty() &&
            std::find(record.hosts.begin(), record.hosts.end(), host) == record.hosts.end()) {
          record.hosts.push_back(std::move(host));
        }
      }
    }
  }
  record.load_balancer = LoadBalancerOf(object);
  for (const std::string& host : record.hosts) ++hosts_[host][record.namespace_];
  by_namespace_[record.namespace_].insert(name);
  if (record.hosts != old_hosts) SchedulePublish();
  if (record.load_balancer != DesiredFor(record.namespace_)) MarkIngress(name);
}

void GatewayStatusController::ForgetIngressHosts(const IngressRecord& record) {
  for (const std::string& host : record.hosts) {
    auto h = hosts_.find(host);
    if (h == hosts_.end()) continue;
    auto n = h->second.find(record.namespace_);
    if (n != h->second.end() && --n->second <= 0) h->second.erase(n);
    if (h->second.empty()) hosts_.erase(h);
  }
}

void GatewayStatusController::MarkIngress(const std::string& key) {
  if (dirty_set_.insert(key).second) dirty_.push_back(key);
}

// ---- nodes ----

void GatewayStatusController::CheckNodes(bool write) {
  WallClock::time_point now = WallClock::now();
  std::vector<gateways::NodeInfo> infos;
  next_stale_.reset();
  std::vector<std::string> silent;
  for (const auto& [name, health] : nodes_) {
    gateways::NodeInfo info = health.info;
    info.ready = IsReady(health, now, options_.node_grace);
    if (info.ready) {
      if (auto at = StaleAt(health, options_.node_grace);
          at && (!next_stale_ || *at < *next_stale_)) {
        next_stale_ = at;
      }
    }
    if (NeedsUnknownMark(health, now, options_.node_grace)) silent.push_back(name);
    infos.push_back(std::move(info));
  }
  std::vector<std::string> addresses = gateways::NodeAddresses(std::move(infos));
  if (addresses != node_addresses_) {
    node_addresses_ = std::move(addresses);
    plan_needed_ = true;
  }
  if (!write) return;
  for (const std::string& name : silent) MarkNode(name);
}

void GatewayStatusController::MarkNode(const std::string& name) {
  auto got = registry_.Get(NodeInfo(), "", name);
  if (!got.ok()) {
    if (got.error().code != ErrorCode::kNotFound) retry_at_ = Clock::now() + options_.retry;
    return;
  }
  json old = std::move(*got);
  NodeHealth fresh = ParseNodeHealth(old);
  if (!NeedsUnknownMark(fresh, WallClock::now(), options_.node_grace)) {
    nodes_[name] = std::move(fresh);  // it heartbeated meanwhile; the watch will say so too
    return;
  }
  std::string now = api::NowRfc3339();
  json object = WithReadyUnknown(old, now);
  api::PrepareForUpdate(NodeInfo(), old, object, true, api::WriteContext{"", now});
  auto revision = api::ParseResourceVersion(Str(old["metadata"], "resourceVersion"));
  auto updated = registry_.Update(NodeInfo(), std::move(object), revision.value_or(0));
  if (updated.ok()) {
    node_marks_.fetch_add(1);
    nodes_[name] = ParseNodeHealth(*updated);
    log::Info("controller: gateway status: node " + name + " stopped posting status; NotReady");
    return;
  }
  // A conflict means the node wrote meanwhile: its event is on the way and is judged then.
  if (updated.error().code != ErrorCode::kConflict) {
    log::Warn("controller: gateway status: marking node " + name +
              " failed: " + updated.error().ToString());
    retry_at_ = Clock::now() + options_.retry;
  }
}

// ---- gateways ----

void GatewayStatusController::Plan() {
  plan_needed_ = false;
  gateway_list_.clear();
  gateway_list_.reserve(gateways_.size());
  for (const auto& [key, record] : gateways_) gateway_list_.push_back(record.object);
  PlanInput input;
  for (const model::Gateway& g : gateway_list_) input.gateways.push_back(&g);
  input.held = held_;
  input.node_addresses = node_addresses_;
  input.pool = &options_.lb_pool;
  input.lb_ports = options_.lb_ports;
  plan_ = PlanGateways(input);
  held_.clear();
  for (const PlannedGateway& p : plan_) {
    if (!p.access.lb_address.empty()) held_[p.key] = p.access.lb_address;
  }
  gateways_dirty_ = true;
  passes_.fetch_add(1);
  SchedulePublish();

  // Only namespaces whose addresses changed have Ingresses to visit.
  for (const auto& [ns, keys] : by_namespace_) {
    json before = desired_.count(ns) ? desired_[ns] : json();
    desired_.erase(ns);
    const json& now = DesiredFor(ns);
    if (now == before) continue;
    for (const std::string& key : keys) {
      auto it = ingresses_.find(key);
      if (it != ingresses_.end() && it->second.load_balancer != now) MarkIngress(key);
    }
  }
}

const json& GatewayStatusController::DesiredFor(const std::string& ns) {
  auto it = desired_.find(ns);
  if (it != desired_.end()) return it->second;
  const model::Gateway* g = gateways::GatewayForNamespace(ns, gateway_list_);
  gateways::GatewayAccess none;
  const gateways::GatewayAccess& access =
      g == nullptr ? none : plan_[static_cast<size_t>(g - gateway_list_.data())].access;
  return desired_[ns] = gateways::IngressStatusJson(access)["loadBalancer"];
}

void GatewayStatusController::WriteGateways() {
  gateways_dirty_ = false;
  for (const PlannedGateway& p : plan_) {
    auto it = gateways_.find(p.key);
    if (it == gateways_.end()) continue;
    GatewayRecord& record = it->second;
    const model::ObjectMeta& meta = record.object.meta;
    if (MergedStatus(record.status, p.status) != record.status) {
      auto got = registry_.Get(GatewayInfo(), meta.namespace_, meta.name);
      if (!got.ok()) {
        if (got.error().code != ErrorCode::kNotFound) {
          gateways_dirty_ = true;
          retry_at_ = Clock::now() + options_.retry;
        }
        continue;
      }
      json old = std::move(*got);
      json stored = old.contains("status") ? old["status"] : json();
      json merged = MergedStatus(stored, p.status);
      if (merged != stored) {
        json object = old;
        object["status"] = merged;
        std::string now = api::NowRfc3339();
        api::PrepareForUpdate(GatewayInfo(), old, object, true, api::WriteContext{"", now});
        auto revision = api::ParseResourceVersion(Str(old["metadata"], "resourceVersion"));
        auto updated = registry_.Update(GatewayInfo(), std::move(object), revision.value_or(0));
        if (updated.ok()) {
          gateway_writes_.fetch_add(1);
          record.status = merged;
        } else if (updated.error().code != ErrorCode::kConflict) {
          log::Warn("controller: gateway status: writing " + p.key +
                    " status failed: " + updated.error().ToString());
          gateways_dirty_ = true;
          retry_at_ = Clock::now() + options_.retry;
        }
        // On a conflict the newer Gateway is on its way and brings another pass.
      } else {
        record.status = merged;
      }
    }

    if (!p.pending) {
      warned_.erase(p.key);
      continue;
    }
    // One Warning per distinct verdict and spec generation: a status write, a node change or
    // an unrelated gateway does not repeat it.
    Warned w{meta.uid, meta.generation, p.pending->reason, p.pending->message};
    auto warned = warned_.find(p.key);
    if (warned != warned_.end() && warned->second == w) continue;
    EventObject target{"Gateway", GatewayInfo().ApiVersion(), meta.namespace_, meta.name,
                       meta.uid,  meta.resource_version};
    auto recorded = recorder_.Warning(target, p.pending->reason, p.pending->message);
    if (!recorded.ok()) {
      log::Warn("controller: gateway status: recording " + p.pending->reason + " for " + p.key +
                " failed: " + recorded.error().ToString());
      gateways_dirty_ = true;
      retry_at_ = Clock::now() + options_.retry;
      continue;
    }
    if (*recorded != EventRecorder::Outcome::kSkipped) events_.fetch_add(1);
    warned_[p.key] = std::move(w);
  }
}

// ---- ingresses ----

void GatewayStatusController::WriteIngresses(size_t max_writes) {
  size_t writes = 0;
  while (!dirty_.empty() && writes < max_writes) {
    std::string key = std::move(dirty_.front());
    dirty_.pop_front();
    dirty_set_.erase(key);
    auto it = ingresses_.find(key);
    if (it == ingresses_.end()) continue;  // deleted while queued
    IngressRecord& record = it->second;
    const json desired = DesiredFor(record.namespace_);
    if (record.load_balancer == desired) continue;
    size_t slash = key.find('/');
    auto got = registry_.Get(IngressInfo(), record.namespace_, key.substr(slash + 1));
    ++writes;  // a read or a write: either way the round's budget is spent on it
    if (!got.ok()) {
      if (got.error().code != ErrorCode::kNotFound) {
        MarkIngress(key);
        retry_at_ = Clock::now() + options_.retry;
        return;
      }
      continue;
    }
    json old = std::move(*got);
    if (LoadBalancerOf(old) == desired) {
      record.load_balancer = desired;
      continue;
    }
    json object = old;
    object["status"]["loadBalancer"] = desired;
    std::string now = api::NowRfc3339();
    api::PrepareForUpdate(IngressInfo(), old, object, true, api::WriteContext{"", now});
    auto revision = api::ParseResourceVersion(Str(old["metadata"], "resourceVersion"));
    auto updated = registry_.Update(IngressInfo(), std::move(object), revision.value_or(0));
    if (updated.ok()) {
      ingress_writes_.fetch_add(1);
      record.load_balancer = desired;
    } else if (updated.error().code != ErrorCode::kConflict) {
      log::Warn("controller: gateway status: writing Ingress " + key +
                " status failed: " + updated.error().ToString());
      MarkIngress(key);
      retry_at_ = Clock::now() + options_.retry;
      return;
    }
    // On a conflict the newer Ingress is on its way; ApplyIngress queues it again if needed.
  }
}

// ---- the snapshot ----

void GatewayStatusController::SchedulePublish() {
  if (!publish_at_) publish_at_ = Clock::now() + options_.settle;
}

void GatewayStatusController::MaybePublish(bool now) {
  if (!publish_at_ || (!now && *publish_at_ > Clock::now())) return;
  publish_at_.reset();
  auto next = std::make_shared<AccessSnapshot>();
  next->gateway_objects = gateway_list_;
  next->gateways.reserve(plan_.size());
  for (const PlannedGateway& p : plan_) next->gateways.push_back(p.access);
  std::unordered_map<std::string, std::vector<std::string>> by_ns;  // ns -> published addresses
  auto published = [&](const std::string& ns) -> const std::vector<std::string>* {
    auto it = by_ns.find(ns);
    if (it == by_ns.end()) {
      const gateways::GatewayAccess* access = next->ForNamespace(ns);
      if (access == nullptr) return nullptr;
      it = by_ns.emplace(ns, gateways::PublishedAddresses(*access)).first;
    }
    return &it->second;
  };
  next->hosts.reserve(hosts_.size());
  for (const auto& [host, namespaces] : hosts_) {
    HostAccess entry{host, {}};
    bool served = false;
    for (const auto& [ns, count] : namespaces) {
      const std::vector<std::string>* addresses = published(ns);
      if (addresses == nullptr) continue;
      served = true;
      for (const std::string& a : *addresses) {
        if (std::find(entry.addresses.begin(), entry.addresses.end(), a) == entry.addresses.end()) {
          entry.addresses.push_back(a);
        }
      }
    }
    if (served) next->hosts.push_back(std::move(entry));
  }
  std::shared_ptr<const AccessSnapshot> published_now;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    if (SameSnapshot(*snapshot_, *next)) return;
    snapshot_ = next;
    published_now = snapshot_;
  }
  if (options_.on_change && !now) options_.on_change(published_now);
}

}  // namespace waygate::controller
