// BuildTable: picks the kind's printer and assembles the Table as kube-apiserver's asTable
// does (pkg/endpoints/handlers/response.go): column definitions unless a later watch event,
// one row per object, and each row's object per ?includeObject.
#include "printers/table.h"

#include <array>

#include "printers/printer.h"

namespace waygate::printers {
namespace {

using internal::Json;
using internal::Printer;

const Printer& PrinterFor(std::string_view group, std::string_view kind) {
  if (group.empty()) {
    if (const Printer* p = internal::CorePrinter(kind)) return *p;
  } else if (const Printer* p = internal::NetworkPrinter(group, kind)) {
    return *p;
  } else if (const Printer* p = internal::IamPrinter(group, kind)) {
    return *p;
  }
  return internal::DefaultPrinter();
}

Json ColumnDefinitions(const Printer& printer) {
  Json columns = Json::array();
  for (const internal::Column& c : printer.columns) {
    columns.push_back({{"name", c.name},
                       {"type", c.type},
                       {"format", c.format},
                       {"description", c.description},
                       {"priority", c.priority}});
  }
  return columns;
}

// ListMeta's fields, each omitted when empty as Go's omitempty does.
Json TableMetadata(const Json& list_meta) {
  Json meta = Json::object();
  for (const char* key : {"resourceVersion", "continue"}) {
    if (const Json* v = internal::Get(list_meta, key);
        v != nullptr && v->is_string() && !v->get_ref<const std::string&>().empty()) {
      meta[key] = *v;
    }
  }
  if (const Json* v = internal::Get(list_meta, "remainingItemCount");
      v != nullptr && v->is_number()) {
    meta["remainingItemCount"] = *v;
  }
  return meta;
}

// meta.AsPartialObjectMetadata: the object's ObjectMeta under meta.k8s.io/v1. Go writes a zero
// creationTimestamp as null rather than leaving it out.
Json PartialObjectMetadata(const Json& object) {
  static constexpr std::array<const char*, 15> kObjectMetaFields = {
      "name",
      "generateName",
      "namespace",
      "selfLink",
      "uid",
      "resourceVersion",
      "generation",
      "creationTimestamp",
      "labels",
      "annotations",
      "ownerReferences",
      "finalizers",
      "managedFields",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
  };
  Json metadata = Json::object();
  if (const Json* source = internal::Get(object, "metadata");
      source != nullptr && source->is_object()) {
    for (const char* field : kObjectMetaFields) {
      if (auto it = source->find(field); it != source->end()) metadata[field] = *it;
    }
  }
  if (!metadata.contains("creationTimestamp")) metadata["creationTimestamp"] = nullptr;
  return {{"kind", "PartialObjectMetadata"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", std::move(metadata)}};
}

Json Build(std::string_view group, std::string_view kind, const std::vector<const Json*>& objects,
           IncludeObject include, const Json& list_meta, internal::TimePoint now,
           ColumnHeaders headers, const TableContext& context) {
  const Printer& printer = PrinterFor(group, kind);
  Json rows = Json::array();
  for (const Json* object : objects) {
    if (object == nullptr) continue;
    Json row = {{"cells", printer.row_in_context != nullptr
                              ? printer.row_in_context(*object, now, context)
                              : printer.row(*object, now)}};
    switch (include) {
      case IncludeObject::kObject:
        row["object"] = *object;
        break;
      case IncludeObject::kMetadata:
        row["object"] = PartialObjectMetadata(*object);
        break;
      case IncludeObject::kNone:
        row["object"] = nullptr;  // RawExtension with no object marshals as null
        break;
    }
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", TableMetadata(list_meta)},
          {"columnDefinitions",
           headers == ColumnHeaders::kInclude ? ColumnDefinitions(printer) : Json(nullptr)},
          {"rows", std::move(rows)}};
}

}  // namespace

std::optional<IncludeObject> ParseIncludeObject(std::string_view value) {
  if (value.empty() || value == "Metadata") return IncludeObject::kMetadata;
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return std::nullopt;
}

Json BuildTable(std::string_view group, std::string_view kind,
                const std::vector<const Json*>& objects, IncludeObject include,
                const Json& list_meta, std::chrono::system_clock::time_point now,
                ColumnHeaders headers, const TableContext& context) {
  try {
    return Build(group, kind, objects, include, list_meta, now, headers, context);
  } catch (const std::exception&) {
    // Only allocation failure or a throwing context callback can get here (every reader is
    // type-checked); an empty table keeps the module's no-throw promise.
    return {{"kind", "Table"},
            {"apiVersion", "meta.k8s.io/v1"},
            {"metadata", Json::object()},
            {"columnDefinitions", nullptr},
            {"rows", Json::array()}};
  }
}

}  // namespace waygate::printers
