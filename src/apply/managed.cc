#include "apply/managed.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "apply/go_text.h"
#include "apply/typed.h"

namespace waygate::apply::internal {
namespace {

using nlohmann::json;

constexpr size_t kMaxUpdateManagers = 10;  // DefaultMaxUpdateManagers
constexpr const char* kAncientChanges = "ancient-changes";

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string FormatUnix(int64_t seconds) {
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem % 3600 / 60), static_cast<long long>(rem % 60));
  return buf;
}

const json* MetadataField(const json& object, const char* key) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return nullptr;
  auto it = meta->find(key);
  return it == meta->end() ? nullptr : &*it;
}

std::string StringOr(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json EncodeEntry(const Entry& e) {
  json out = json::object();
  if (!e.manager.empty()) out["manager"] = e.manager;
  out["operation"] = e.operation;
  out["apiVersion"] = e.api_version;
  if (!e.time.empty()) out["time"] = e.time;
  out["fieldsType"] = "FieldsV1";
  out["fieldsV1"] =
      e.fields_v1 && e.decoded_set && *e.decoded_set == e.set ? *e.fields_v1 : e.set.ToFieldsV1();
  if (!e.subresource.empty()) out["subresource"] = e.subresource;
  return out;
}

}  // namespace

std::optional<int64_t> UnixSeconds(const std::string& t) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, n = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
      n != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    ++i;
    const size_t digits = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == digits) return std::nullopt;
  }
  int64_t offset = 0;
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int oh = 0, om = 0, on = 0;
    if (std::sscanf(t.c_str() + i + 1, "%2d:%2d%n", &oh, &om, &on) != 2 || on != 5) {
      return std::nullopt;
    }
    offset = (t[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != t.size()) return std::nullopt;
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
}

std::string Identifier(const Entry& e) {
  // Go's json.Marshal of a ManagedFieldsEntry: struct field order, empty fields omitted.
  std::string out = "{";
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    if (out.size() > 1) out += ",";
    out += std::string("\"") + key + "\":" + GoJson(json(value));
  };
  add("manager", e.manager);
  add("operation", e.operation);
  if (e.operation != "Apply") add("apiVersion", e.api_version);
  add("subresource", e.subresource);
  return out + "}";
}

Entry MakeEntry(const Manager& manager, std::string operation) {
  Entry e;
  e.manager = manager.name.empty() ? "unknown" : manager.name;
  e.operation = std::move(operation);
  e.api_version = manager.api_version;
  e.subresource = manager.subresource;
  if (auto seconds = UnixSeconds(manager.time)) e.time = FormatUnix(*seconds);
  return e;
}

Result<Managed> Decode(const json& object) {
  Managed out;
  const json* list = MetadataField(object, "managedFields");
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_array()) return MakeError(ErrorCode::kInvalid, "managedFields must be a list");
  for (size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    if (!item.is_object()) {
      return MakeError(ErrorCode::kInvalid,
                       "managed fields entry " + std::to_string(i) + " is not an object");
    }
    Entry e;
    e.manager = StringOr(item, "manager");
    e.operation = StringOr(item, "operation");
    e.api_version = StringOr(item, "apiVersion");
    e.subresource = StringOr(item, "subresource");
    if (e.operation != "Apply" && e.operation != "Update") {
      return MakeError(ErrorCode::kInvalid, "operation must be `Apply` or `Update`");
    }
    if (e.api_version.empty())
      return MakeError(ErrorCode::kInvalid, "apiVersion must not be empty");
    const std::string type = StringOr(item, "fieldsType");
    if (type.empty()) {
      return MakeError(ErrorCode::kInvalid,
                       "missing fieldsType in managed fields entry " + std::to_string(i));
    }
    if (type != "FieldsV1") {
      return MakeError(ErrorCode::kInvalid, "invalid fieldsType " + GoQuote(type) +
                                                " in managed fields entry " + std::to_string(i));
    }
    if (auto t = item.find("time"); t != item.end() && !t->is_null()) {
      std::optional<int64_t> seconds =
          t->is_string() ? UnixSeconds(t->get<std::string>()) : std::nullopt;
      if (!seconds) return MakeError(ErrorCode::kInvalid, "invalid time in managed fields entry");
      e.time = FormatUnix(*seconds);
    }
    if (auto f = item.find("fieldsV1"); f != item.end() && !f->is_null()) {
      Result<FieldSet> set = FieldSet::FromFieldsV1(*f);
      if (!set.ok()) {
        return MakeError(ErrorCode::kInvalid,
                         "error decoding versioned set: " + set.error().message);
      }
      e.set = *set;
      e.fields_v1 = *f;
      e.decoded_set = std::move(*set);
    }
    std::string id = Identifier(e);
    out[std::move(id)] = std::move(e);
  }
  return out;
}

void RemoveManagedFields(json& object) {
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) meta->erase("managedFields");
}

void Encode(const Managed& managed, json& object) {
  if (managed.empty()) {
    RemoveManagedFields(object);
    return;
  }
  std::vector<const Entry*> entries;
  for (const auto& [id, e] : managed) entries.push_back(&e);
  auto seconds = [](const Entry* e) { return UnixSeconds(e->time).value_or(0); };
  std::sort(entries.begin(), entries.end(), [&](const Entry* p, const Entry* q) {
    if (p->operation != q->operation) return p->operation < q->operation;
    if (seconds(p) != seconds(q)) return seconds(p) < seconds(q);
    if (p->manager != q->manager) return p->manager < q->manager;
    if (p->api_version != q->api_version) return p->api_version < q->api_version;
    return p->subresource < q->subresource;
  });
  json list = json::array();
  for (const Entry* e : entries) list.push_back(EncodeEntry(*e));
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = json::object();
  }
  object["metadata"]["managedFields"] = std::move(list);
}

json WithSkeleton(const json& object, const json& skeleton) {
  json out = object;
  if (!out.is_object()) return out;
  for (auto it = skeleton.begin(); it != skeleton.end(); ++it) {
    auto mine = out.find(it.key());
    if (mine == out.end()) {
      out[it.key()] = *it;
    } else if (mine->is_object() && it->is_object()) {
      *mine = WithSkeleton(*mine, *it);
    }
  }
  return out;
}

void Tidy(json& object, const json& skeleton, const json* original) {
  static const json kNoSkeleton = json::object();
  if (object.is_array()) {
    for (json& item : object) Tidy(item, kNoSkeleton, nullptr);
    return;
  }
  if (!object.is_object()) return;
  for (auto it = object.begin(); it != object.end();) {
    const json* orig = nullptr;
    if (original != nullptr && original->is_object()) {
      auto o = original->find(it.key());
      if (o != original->end()) orig = &*o;
    }
    auto skel = skeleton.is_object() ? skeleton.find(it.key()) : skeleton.end();
    const bool from_skeleton = skel != skeleton.end();
    Tidy(*it, from_skeleton ? *skel : kNoSkeleton, orig);
    const bool stray_null = it->is_null() && !(orig != nullptr && orig->is_null());
    const bool stray_struct = from_skeleton && orig == nullptr && it->is_object() && it->empty();
    it = stray_null || stray_struct ? object.erase(it) : std::next(it);
  }
}

const FieldSet& StripSet() {
  static const FieldSet set = [] {
    FieldSet s;
    s.Insert({PathElement::Field("apiVersion")});
    s.Insert({PathElement::Field("kind")});
    s.Insert({PathElement::Field("metadata")});
    for (const char* f : {"name", "namespace", "creationTimestamp", "selfLink", "uid",
                          "clusterName", "generation", "managedFields", "resourceVersion"}) {
      s.Insert({PathElement::Field("metadata"), PathElement::Field(f)});
    }
    return s;
  }();
  return set;
}

Status Update(const Type& type, const FieldSet& reset, const json& skeleton, const json* live,
              const json& updated, Managed& managed, const Entry& who) {
  const json lhs = WithSkeleton(live != nullptr ? *live : json::object(), skeleton);
  const json rhs = WithSkeleton(updated, skeleton);
  for (const json* v : {&lhs, &rhs}) {
    if (Status s = Validate(*v, type, /*allow_duplicates=*/true); !s.ok()) return s;
  }
  const Comparison all = Compare(&lhs, rhs, type);
  Comparison others = all;
  others.Exclude(reset);
  // Everyone else loses what this write changed (it is forced), and what it removed.
  const FieldSet taken = others.modified.Union(others.added);
  for (auto it = managed.begin(); it != managed.end();) {
    FieldSet& set = it->second.set;
    set = set.Difference(taken).Difference(others.removed);
    it = set.Empty() ? managed.erase(it) : std::next(it);
  }
  // The write's own fields, as the "current-operation" manager of managedFieldsUpdater, then
  // merged into the entry of the same identity.
  FieldSet mine = all.modified.Union(all.added)
                      .Difference(all.removed)
                      .RecursiveDifference(reset)
                      .Difference(StripSet());
  if (mine.Empty()) return OkStatus();
  const std::string id = Identifier(who);
  auto previous = managed.find(id);
  if (previous != managed.end()) mine = mine.Union(previous->second.set);
  Entry entry = who;
  entry.set = std::move(mine);
  if (previous != managed.end()) {
    entry.fields_v1 = previous->second.fields_v1;
    entry.decoded_set = previous->second.decoded_set;
  }
  managed[id] = std::move(entry);
  return OkStatus();
}

void CapManagers(Managed& managed) {
  std::vector<std::string> updaters;
  for (const auto& [id, e] : managed) {
    if (e.operation != "Apply") updaters.push_back(id);
  }
  if (updaters.size() <= kMaxUpdateManagers) return;
  auto seconds = [&](const std::string& id) { return UnixSeconds(managed[id].time).value_or(0); };
  std::sort(updaters.begin(), updaters.end(), [&](const std::string& a, const std::string& b) {
    if (seconds(a) != seconds(b)) return seconds(a) < seconds(b);
    return a < b;
  });
  std::map<std::string, std::string> first_of_version;
  size_t length = updaters.size();
  for (size_t i = 0; i < updaters.size() && length > kMaxUpdateManagers; ++i) {
    const std::string& id = updaters[i];
    const Entry e = managed[id];
    Entry bucket_template;
    bucket_template.manager = kAncientChanges;
    bucket_template.operation = "Update";
    bucket_template.api_version = e.api_version;
    const std::string bucket = Identifier(bucket_template);
    auto first = first_of_version.find(e.api_version);
    if (first == first_of_version.end()) {
      first_of_version[e.api_version] = id;
      continue;
    }
    if (managed.count(bucket) == 0) {
      Entry moved = managed[first->second];
      managed.erase(first->second);
      bucket_template.set = std::move(moved.set);
      bucket_template.time = moved.time;
      managed[bucket] = std::move(bucket_template);
    }
    Entry& target = managed[bucket];
    target.set = e.set.Union(target.set);
    target.time = e.time;
    managed.erase(id);
    --length;
  }
}

void KeepTimestampsOnNoop(const json& live, json& updated) {
  const json* old_list = MetadataField(live, "managedFields");
  json* meta = updated.contains("metadata") ? &updated["metadata"] : nullptr;
  if (old_list == nullptr || !old_list->is_array() || meta == nullptr || !meta->is_object() ||
      !meta->contains("managedFields")) {
    return;
  }
  json& new_list = (*meta)["managedFields"];
  if (!new_list.is_array() || new_list.size() != old_list->size() || new_list.empty()) return;
  auto time_of = [](const json& e) { return e.is_object() ? e.value("time", json()) : json(); };
  bool times_changed = false;
  for (size_t i = 0; i < new_list.size(); ++i) {
    times_changed = times_changed || time_of(new_list[i]) != time_of((*old_list)[i]);
    json a = new_list[i], b = (*old_list)[i];
    if (a.is_object()) a.erase("time");
    if (b.is_object()) b.erase("time");
    if (a != b) return;
  }
  if (!times_changed) return;
  // resourceVersion is the caller's bookkeeping around this call, not a change of the object.
  auto without = [](json object) {
    RemoveManagedFields(object);
    if (object.contains("metadata") && object["metadata"].is_object()) {
      object["metadata"].erase("resourceVersion");
    }
    return object;
  };
  if (without(updated) != without(live)) return;
  new_list = *old_list;
}

}  // namespace waygate::apply::internal
