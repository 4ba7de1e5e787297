// Internal: one Printer per kind (its column definitions and the function that turns an object
// into that row's cells), and the tolerant JSON readers every printer shares.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "printers/table.h"

namespace waygate::printers::internal {

using Json = nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

struct Column {
  std::string_view name;
  std::string_view type;  // "string", "integer", "date", ...
  std::string_view format;
  std::string_view description;
  int priority = 0;  // 1: shown by kubectl only with -o wide
};

// Cells for one object; `now` stands in for time.Now() in every age.
using RowFn = Json (*)(const Json& object, TimePoint now);

// Cells for one object of a kind whose columns also need facts beyond the object.
using ContextRowFn = Json (*)(const Json& object, TimePoint now, const TableContext& context);

struct Printer {
  std::vector<Column> columns;
  RowFn row = nullptr;
  ContextRowFn row_in_context = nullptr;  // used instead of `row` when set
};

// Printers of the kinds this file set knows; nullptr when none (the caller falls back).
const Printer* CorePrinter(std::string_view kind);  // group ""
const Printer* NetworkPrinter(std::string_view group, std::string_view kind);
// rbac.authorization.k8s.io bindings and KubeSphere's iam.kubesphere.io User CRD.
const Printer* IamPrinter(std::string_view group, std::string_view kind);
const Printer& CustomResourcePrinter();  // a CRD with no additionalPrinterColumns: Name, Age
const Printer& DefaultPrinter();         // apiserver's generic convertor: Name, Created At

// ---- Column descriptions (k8s.io/api SwaggerDoc text, as kube-apiserver 1.3x sends it) ----
extern const std::string_view kNameDoc;               // ObjectMeta.name
extern const std::string_view kCreationTimestampDoc;  // ObjectMeta.creationTimestamp

// ---- Tolerant readers: a missing or mistyped field reads as Go's zero value ----
// obj[key] when obj is an object holding key (a JSON null counts as absent), else nullptr.
const Json* Get(const Json& obj, std::string_view key);
const Json* GetPath(const Json& obj, std::initializer_list<std::string_view> path);
std::string Str(const Json* v);    // "" unless a string
int64_t Int(const Json* v);        // 0 unless a number (floats truncated)
bool Bool(const Json* v);          // false unless true
const Json& Items(const Json* v);  // the array, or an empty one
size_t MapSize(const Json* v);     // entries of an object, 0 otherwise

// A point in time as Go's time.Time holds it: year 1 is representable (system_clock's
// nanosecond time_point overflows 292 years from 1970).
struct Instant {
  int64_t seconds = 0;  // since 1970-01-01T00:00:00Z
  int32_t nanos = 0;
  // Go's zero time 0001-01-01T00:00:00Z, which kube prints as "not set".
  bool IsZero() const;
};
// RFC 3339 ("2024-05-01T10:00:00Z", fractions and offsets allowed); nullopt for an empty or
// malformed string.
std::optional<Instant> ParseTime(std::string_view text);
// now - t, saturating at the int64 nanosecond limits as Go's Time.Sub does.
std::chrono::nanoseconds Elapsed(TimePoint now, const Instant& t);
// translateTimestampSince: HumanDuration(now - t), "<unknown>" when the field is unset.
std::string Since(const Json* timestamp, TimePoint now);
// The AGE cell every printer shares: Since(metadata.creationTimestamp).
std::string Age(const Json& object, TimePoint now);
// The "date" cell of a CRD column at .metadata.creationTimestamp (apiextensions'
// cellForJSONValue): null when the path finds nothing, "<invalid>" for an unparsable time,
// "<unknown>" for "" or the zero time, else the age.
Json CustomResourceAge(const Json& object, TimePoint now);
std::string Name(const Json& object);

// Go's strings.Join.
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace waygate::printers::internal
