#include "apply/apply.h"

#include <optional>
#include <utility>
#include <vector>

#include "apistatus/errors.h"
#include "apply/go_text.h"
#include "apply/managed.h"
#include "apply/typed.h"

namespace waygate::apply {
namespace {

using internal::Entry;
using internal::Managed;
using nlohmann::json;

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";
constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;

struct Conflict {
  std::string id;  // manager identifier, the order of the message
  Entry manager;
  Path path;
};
using Conflicts = std::vector<Conflict>;

struct Context {
  std::string_view group;
  std::string_view kind;
  Type type;
  FieldSet reset;
  const json& skeleton;
};

// printManager: "\"kubectl\"", or for an Update entry "\"kubectl-edit\" using v1".
std::string Describe(const Entry& e) {
  std::string out = GoQuote(e.manager);
  if (!e.subresource.empty()) out += " with subresource " + GoQuote(e.subresource);
  if (e.operation == "Update") out += " using " + e.api_version;
  return out;
}

apistatus::ApiStatus ConflictStatus(const Conflicts& conflicts) {
  json causes = json::array();
  for (const Conflict& c : conflicts) {
    causes.push_back({{"reason", "FieldManagerConflict"},
                      {"message", "conflict with " + Describe(c.manager)},
                      {"field", ToString(c.path)}});
  }
  std::string message;
  if (conflicts.size() == 1) {
    message = "Apply failed with 1 conflict: conflict with " + Describe(conflicts[0].manager) +
              ": " + ToString(conflicts[0].path);
  } else {
    message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
    std::string last_id;
    for (size_t i = 0; i < conflicts.size(); ++i) {
      if (i == 0 || conflicts[i].id != last_id) {
        if (i > 0) message += "\n";
        message += "conflicts with " + Describe(conflicts[i].manager) + ":";
        last_id = conflicts[i].id;
      }
      message += "\n- " + ToString(conflicts[i].path);
    }
  }
  return apistatus::ApiStatus{409, "Conflict", std::move(message), {{"causes", causes}}};
}

// A plain error of the field manager, which the handlers answer as 500 with the text as is.
apistatus::ApiStatus Failure(std::string message) {
  return apistatus::ApiStatus{500, "", std::move(message), nullptr};
}

// prune: remove what `last` (the applier's previous set) had, the new configuration does not,
// and no manager owns, as SMD's Updater.prune with its two add-back passes.
json Prune(const json& merged, const Managed& managed, const FieldSet& last, const Type& type) {
  const FieldSet last_e = EnsureNamedFieldsAreMembers(last, type);
  json pruned = RemoveItems(merged, last_e, type);
  FieldSet owned;
  for (const auto& [id, e] : managed) owned = owned.Union(e.set);
  const FieldSet merged_set = EnsureNamedFieldsAreMembers(ToFieldSet(merged, type), type);
  FieldSet pruned_set = EnsureNamedFieldsAreMembers(ToFieldSet(pruned, type), type);
  pruned = RemoveItems(
      merged, merged_set.Difference(pruned_set.Union(EnsureNamedFieldsAreMembers(owned, type))),
      type);
  pruned_set = EnsureNamedFieldsAreMembers(ToFieldSet(pruned, type), type);
  json out = RemoveItems(merged, merged_set.Difference(pruned_set).Intersection(last_e), type);
  return out.is_object() ? out : json::object();
}

struct CoreResult {
  json object;
  Managed managed;
  Conflicts conflicts;
};

// Updater.Apply with stripMetaManager and managedFieldsUpdater around it.
CoreResult ApplyCore(const Context& ctx, const json& live, const json& config, Managed managed,
                     const Entry& who, bool force) {
  CoreResult out;
  json merged = Merge(live, config, ctx.type);
  const std::string id = internal::Identifier(who);
  std::optional<FieldSet> last;
  if (auto it = managed.find(id); it != managed.end()) last = it->second.set;
  Entry mine = who;
  mine.set = ToFieldSet(config, ctx.type).RecursiveDifference(ctx.reset);
  if (auto it = managed.find(id); it != managed.end()) {
    mine.fields_v1 = it->second.fields_v1;
    mine.decoded_set = it->second.decoded_set;
  }
  managed[id] = std::move(mine);
  if (last && !last->Empty()) merged = Prune(merged, managed, *last, ctx.type);

  Comparison cmp = Compare(&live, merged, ctx.type);
  cmp.Exclude(ctx.reset);
  const FieldSet taken = cmp.modified.Union(cmp.added);
  std::vector<std::pair<std::string, FieldSet>> lost;
  for (const auto& [other, e] : managed) {
    if (other == id) continue;
    FieldSet clash = e.set.Intersection(taken);
    if (clash.Empty()) continue;
    clash.Iterate([&](const Path& p) { out.conflicts.push_back({other, e, p}); });
    lost.emplace_back(other, std::move(clash));
  }
  if (!force && !out.conflicts.empty()) return out;
  out.conflicts.clear();
  for (auto& [other, clash] : lost) managed[other].set = managed[other].set.Difference(clash);
  for (auto it = managed.begin(); it != managed.end();) {
    if (it->first != id) it->second.set = it->second.set.Difference(cmp.removed);
    it = it->second.set.Empty() ? managed.erase(it) : std::next(it);
  }
  if (auto it = managed.find(id); it != managed.end()) {
    it->second.set = it->second.set.Difference(internal::StripSet());
    if (it->second.set.Empty()) managed.erase(it);
  }
  out.object = std::move(merged);
  out.managed = std::move(managed);
  return out;
}

// lastAppliedManager.allowedConflictsFromLastApplied: the fields of the client-side-apply
// annotation whose values the live object still has. nullopt: nothing is allowed.
std::optional<FieldSet> AllowedByLastApplied(const Context& ctx, const json& live,
                                             const Manager& manager) {
  const json* annotations = nullptr;
  if (auto meta = live.find("metadata"); meta != live.end() && meta->is_object()) {
    if (auto a = meta->find("annotations"); a != meta->end() && a->is_object()) annotations = &*a;
  }
  if (annotations == nullptr) return std::nullopt;
  auto text = annotations->find(kLastApplied);
  if (text == annotations->end() || !text->is_string() || text->get<std::string>().empty()) {
    return std::nullopt;
  }
  json last = json::parse(text->get<std::string>(), nullptr, false);
  if (!last.is_object() || last.value("apiVersion", json()) != manager.api_version) {
    return std::nullopt;
  }
  if (!Validate(last, ctx.type, /*allow_duplicates=*/false).ok()) return std::nullopt;
  const Comparison cmp = Compare(&last, live, ctx.type);
  return ToFieldSet(last, ctx.type)
      .Difference(cmp.modified)
      .Difference(cmp.added)
      .Difference(cmp.removed);
}

// lastAppliedUpdater: keep an existing client-side-apply annotation in step with what kubectl
// applies server-side, so a later client-side apply computes the right patch.
void UpdateLastApplied(json& object, const json& applied) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  auto annotations = meta->find("annotations");
  if (annotations == meta->end() || !annotations->is_object()) return;
  auto current = annotations->find(kLastApplied);
  if (current == annotations->end() || !current->is_string() ||
      current->get<std::string>().empty()) {
    return;
  }
  json config = applied;
  if (auto m = config.find("metadata"); m != config.end() && m->is_object()) {
    if (auto a = m->find("annotations"); a != m->end() && a->is_object()) a->erase(kLastApplied);
  }
  // runtime.Encode with the unstructured JSON scheme: json.Encoder, so a trailing newline.
  (*annotations)[kLastApplied] = GoJson(config) + "\n";
  size_t total = 0;
  for (auto it = annotations->begin(); it != annotations->end(); ++it) {
    total += it.key().size() + (it->is_string() ? it->get_ref<const std::string&>().size() : 0);
  }
  if (total > kTotalAnnotationSizeLimit) annotations->erase(kLastApplied);
}

std::string ObjectLabel(const json& object, std::string_view group, std::string_view kind,
                        std::string_view api_version) {
  // objectGVKNN: "<namespace>/<name>; <group>/<version>, Kind=<kind>".
  std::string ns, name = "<unknown>";
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object()) {
    ns = meta->value("namespace", "");
    name = meta->value("name", "");
  }
  std::string gv(api_version);
  if (group.empty()) gv = "/" + gv;
  return ns + "/" + name + "; " + gv + ", Kind=" + std::string(kind);
}

}  // namespace

std::variant<ApplyResult, apistatus::ApiStatus> ServerSideApply(
    std::string_view group, std::string_view kind, const json* live, const json& applied,
    const Manager& manager, bool force) {
  const Context ctx{group, kind, Type::Root(group, kind),
                    ResetFields(group, kind, manager.subresource), Skeleton(group, kind)};
  if (!applied.is_object()) return apistatus::BadRequest("error decoding YAML: not an object");
  if (auto meta = applied.find("metadata"); meta != applied.end() && meta->is_object()) {
    if (auto mf = meta->find("managedFields"); mf != meta->end() && mf->is_array()) {
      return apistatus::BadRequest("metadata.managedFields must be nil");
    }
  }
  if (Status s = Validate(applied, ctx.type, /*allow_duplicates=*/false); !s.ok()) {
    return Failure("failed to create typed patch object (" +
                   ObjectLabel(applied, group, kind, manager.api_version) +
                   "): " + s.error().message);
  }

  const bool created = live == nullptr;
  json live_object = created ? json::object() : *live;
  Result<Managed> decoded = internal::Decode(live_object);
  if (!decoded.ok()) return Failure("failed to decode managed fields: " + decoded.error().message);
  Managed managed = std::move(*decoded);
  internal::RemoveManagedFields(live_object);
  if (Status s = Validate(live_object, ctx.type, /*allow_duplicates=*/true); !s.ok()) {
    return Failure("failed to create typed live object (" +
                   ObjectLabel(live_object, group, kind, manager.api_version) +
                   "): " + s.error().message);
  }

  // skipNonAppliedManager: fields of an untracked object belong to "before-first-apply".
  if (managed.empty() && !created) {
    Manager before = manager;
    before.name = "before-first-apply";
    if (!internal::Update(ctx.type, ctx.reset, ctx.skeleton, nullptr, live_object, managed,
                          internal::MakeEntry(before, "Update"))
             .ok()) {
      return Failure("failed to create manager for existing fields");
    }
  }

  const json typed_live = internal::WithSkeleton(live_object, ctx.skeleton);
  const Entry who = internal::MakeEntry(manager, "Apply");
  CoreResult core = ApplyCore(ctx, typed_live, applied, managed, who, force);
  if (!core.conflicts.empty() && who.manager == "kubectl") {
    // lastAppliedManager: a kubectl apply --server-side after client-side applies.
    if (auto allowed = AllowedByLastApplied(ctx, typed_live, manager)) {
      Conflicts remaining;
      for (Conflict& c : core.conflicts) {
        if (!allowed->Has(c.path)) remaining.push_back(std::move(c));
      }
      if (remaining.empty()) {
        core = ApplyCore(ctx, typed_live, applied, managed, who, /*force=*/true);
      } else {
        core.conflicts = std::move(remaining);
      }
    }
  }
  if (!core.conflicts.empty()) return ConflictStatus(core.conflicts);

  internal::CapManagers(core.managed);
  json object = std::move(core.object);
  internal::Tidy(object, ctx.skeleton, &live_object);
  if (who.manager == "kubectl") UpdateLastApplied(object, applied);
  internal::Encode(core.managed, object);
  if (!created) internal::KeepTimestampsOnNoop(*live, object);
  return ApplyResult{std::move(object), created};
}

}  // namespace waygate::apply
