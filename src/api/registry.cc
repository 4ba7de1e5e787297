#include "api/registry.h"

#include "model/base64.h"
#include "pki/base64.h"

namespace waygate::api {
namespace {

using nlohmann::json;

std::string MetaString(const json& object, const char* field) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  auto it = meta->find(field);
  if (it == meta->end() || !it->is_string()) return {};
  return it->get<std::string>();
}

selector::Labels LabelsOf(const json& object) {
  selector::Labels labels;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return labels;
  auto it = meta->find("labels");
  if (it == meta->end() || !it->is_object()) return labels;
  for (auto& [k, v] : it->items()) {
    if (v.is_string()) labels[k] = v.get<std::string>();
  }
  return labels;
}

std::optional<std::string> FieldValue(const json& object, std::string_view field) {
  if (field == "metadata.name") return MetaString(object, "name");
  if (field == "metadata.namespace") return MetaString(object, "namespace");
  // Kind-specific fields are dotted paths into the object (type, spec.nodeName, ...).
  const json* cur = &object;
  size_t pos = 0;
  while (pos <= field.size()) {
    size_t dot = field.find('.', pos);
    if (dot == std::string_view::npos) dot = field.size();
    std::string key(field.substr(pos, dot - pos));
    if (!cur->is_object()) return std::nullopt;
    auto it = cur->find(key);
    if (it == cur->end()) return std::nullopt;
    cur = &*it;
    pos = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number()) return cur->dump();
  return std::nullopt;
}

// Continue tokens carry the revision of the first page (so every page reads one snapshot) and
// the last key returned, relative to the list's prefix, as kube's do.
std::string EncodeContinue(int64_t revision, std::string_view start_after) {
  json token = {{"v", "meta.k8s.io/v1"}, {"rv", revision}, {"start", std::string(start_after)}};
  return pki::Base64Encode(token.dump());
}

Result<std::pair<int64_t, std::string>> DecodeContinue(std::string_view text) {
  std::string raw;
  Error bad = MakeError(ErrorCode::kInvalid, "continue key is not valid: invalid token");
  if (model::DecodeBase64(text, raw).has_value()) return bad;
  json token = json::parse(raw, nullptr, false);
  if (!token.is_object() || token.value("v", "") != "meta.k8s.io/v1" ||
      !token.contains("rv") || !token["rv"].is_number_integer() || !token.contains("start") ||
      !token["start"].is_string()) {
    return bad;
  }
  return std::make_pair(token["rv"].get<int64_t>(), token["start"].get<std::string>());
}

}  // namespace

std::optional<int64_t> ParseResourceVersion(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value <= 0) return std::nullopt;
  return value;
}

const std::set<std::string>& SelectableFields(const ResourceInfo& info) {
  static const std::set<std::string> kSecret = {"metadata.name", "metadata.namespace", "type"};
  static const std::set<std::string> kNamespace = {"metadata.name", "status.phase"};
  static const std::set<std::string> kEvent = {
      "metadata.name",         "metadata.namespace",        "involvedObject.kind",
      "involvedObject.namespace", "involvedObject.name",    "involvedObject.uid",
      "involvedObject.apiVersion", "involvedObject.resourceVersion",
      "involvedObject.fieldPath", "reason",                  "reportingComponent",
      "source",                "type"};
  static const std::set<std::string> kNode = {"metadata.name", "spec.unschedulable"};
  if (info.kind == "Secret") return kSecret;
  if (info.kind == "Namespace") return kNamespace;
  if (info.kind == "Event") return kEvent;
  if (info.kind == "Node") return kNode;
  return selector::FieldSelector::MetadataFields();
}

bool MatchesSelectors(const ListOptions& options, const json& object) {
  if (!options.labels.Empty() && !options.labels.Matches(LabelsOf(object))) return false;
  if (options.fields && !options.fields->Empty()) {
    return options.fields->Matches(
        [&](std::string_view field) { return FieldValue(object, field); });
  }
  return true;
}

json Registry::FromStored(const store::KeyValue& kv, int64_t revision_override) {
  json object = json::parse(kv.value, nullptr, false);
  if (!object.is_object()) object = json::object();
  object["metadata"]["resourceVersion"] =
      std::to_string(revision_override != 0 ? revision_override : kv.mod_revision);
  return object;
}

std::string Registry::ToStored(json object) {
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("resourceVersion");
  }
  return object.dump();
}

Result<json> Registry::Get(const ResourceInfo& info, std::string_view namespace_,
                           std::string_view name) {
  auto got = store_->Get(ObjectKey(info, namespace_, name));
  if (!got.ok()) return got.error();
  if (got->kvs.empty()) return MakeError(ErrorCode::kNotFound, "not found");
  return FromStored(got->kvs.front());
}

Result<ListResult> Registry::List(const ResourceInfo& info, std::string_view namespace_,
                                  const ListOptions& options) {
  std::string prefix = KeyPrefix(info, namespace_);
  int64_t revision = 0;
  std::string start_after;
  if (!options.continue_token.empty()) {
    auto token = DecodeContinue(options.continue_token);
    if (!token.ok()) return token.error();
    revision = token->first;
    start_after = prefix + token->second;
  }
  ListResult result;
  bool filtering = !options.labels.Empty() || (options.fields && !options.fields->Empty());
  // Read in pages so a selective list with a limit does not load everything at once.
  int64_t page = options.limit > 0 ? std::max<int64_t>(options.limit, 64) : 0;
  for (;;) {
    auto range = store_->Range(prefix, start_after, page, revision);
    if (!range.ok()) return range.error();
    revision = range->revision;
    result.revision = range->revision;
    int64_t examined = 0;
    for (const store::KeyValue& kv : range->kvs) {
      ++examined;
      json object = FromStored(kv);
      start_after = kv.key;
      if (filtering && !MatchesSelectors(options, object)) continue;
      result.items.push_back(std::move(object));
      if (options.limit > 0 && static_cast<int64_t>(result.items.size()) == options.limit) {
        bool more = range->more || examined < static_cast<int64_t>(range->kvs.size());
        if (more) {
          result.continue_token = EncodeContinue(revision, start_after.substr(prefix.size()));
          if (!filtering) {
            result.remaining_item_count =
                range->count - examined;  // count is of keys after the page start
          }
        }
        return result;
      }
    }
    if (!range->more || page == 0) break;
  }
  return result;
}

Result<json> Registry::Create(const ResourceInfo& info, json object) {
  std::string key = ObjectKey(info, object["metadata"].value("namespace", ""),
                              object["metadata"].value("name", ""));
  auto created = store_->Create(key, ToStored(object));
  if (!created.ok()) return created.error();
  object["metadata"]["resourceVersion"] = std::to_string(created->mod_revision);
  if (after_write_) after_write_(info);
  return object;
}

Result<json> Registry::Update(const ResourceInfo& info, json object, int64_t expected_revision) {
  std::string key = ObjectKey(info, object["metadata"].value("namespace", ""),
                              object["metadata"].value("name", ""));
  auto updated = store_->Update(key, ToStored(object), expected_revision);
  if (!updated.ok()) return updated.error();
  object["metadata"]["resourceVersion"] = std::to_string(updated->mod_revision);
  if (after_write_) after_write_(info);
  return object;
}

Result<json> Registry::Delete(const ResourceInfo& info, std::string_view namespace_,
                              std::string_view name, int64_t expected_revision) {
  auto deleted = store_->Delete(ObjectKey(info, namespace_, name), expected_revision);
  if (!deleted.ok()) return deleted.error();
  if (after_write_) after_write_(info);
  if (!deleted->prev_kv) return json::object();
  return FromStored(*deleted->prev_kv);
}

}  // namespace waygate::api
