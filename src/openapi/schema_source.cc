#include "openapi/schema_source.h"

#include <array>

namespace waygate::openapi {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kPrefixes = {{
    {"core.v1.", "io.k8s.api.core.v1."},
    {"discovery.v1.", "io.k8s.api.discovery.v1."},
    {"networking.v1.", "io.k8s.api.networking.v1."},
    {"rbac.v1.", "io.k8s.api.rbac.v1."},
    {"meta.v1.", "io.k8s.apimachinery.pkg.apis.meta.v1."},
    {"intstr.", "io.k8s.apimachinery.pkg.util.intstr."},
    {"resource.", "io.k8s.apimachinery.pkg.api.resource."},
    {"runtime.", "io.k8s.apimachinery.pkg.runtime."},
    // kube-apiserver names a CRD's schemas by its reversed group.
    {"gateway.v1alpha1.", "io.kubesphere.gateway.v1alpha1."},
    {"iam.v1alpha2.", "io.kubesphere.iam.v1alpha2."},
}};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> SplitWords(std::string_view s) {
  std::vector<std::string_view> words;
  while (true) {
    s = Trim(s);
    if (s.empty()) return words;
    size_t end = s.find_first_of(" \t");
    words.push_back(s.substr(0, end));
    if (end == std::string_view::npos) return words;
    s.remove_prefix(end);
  }
}

Options ParseOptions(const std::vector<std::string_view>& words, size_t first) {
  Options options;
  for (size_t i = first; i < words.size(); ++i) {
    std::string_view w = words[i];
    size_t eq = w.find('=');
    if (eq == std::string_view::npos) {
      options.emplace_back(std::string(w), std::string());
    } else {
      options.emplace_back(std::string(w.substr(0, eq)), std::string(w.substr(eq + 1)));
    }
  }
  return options;
}

Error LineError(std::string_view file, int line, std::string_view what) {
  return MakeError(ErrorCode::kInternal,
                   std::string(file) + ":" + std::to_string(line) + ": " + std::string(what));
}

}  // namespace

std::string ExpandName(std::string_view name) {
  for (const auto& [short_prefix, full_prefix] : kPrefixes) {
    if (name.substr(0, short_prefix.size()) == short_prefix) {
      return std::string(full_prefix) + std::string(name.substr(short_prefix.size()));
    }
  }
  return std::string(name);
}

const std::string* FindOption(const Options& options, std::string_view key) {
  for (const auto& [k, v] : options) {
    if (k == key) return &v;
  }
  return nullptr;
}

Result<std::vector<SchemaDef>> ParseSchemaSource(std::string_view file, std::string_view text) {
  std::vector<SchemaDef> schemas;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;

    // "<head words> | <description>"; the description is mandatory because kubectl explain
    // prints it.
    size_t bar = line.find(" | ");
    if (bar == std::string_view::npos) return LineError(file, line_no, "missing ' | description'");
    std::vector<std::string_view> head = SplitWords(line.substr(0, bar));
    std::string description(Trim(line.substr(bar + 3)));
    if (head.empty() || description.empty()) {
      return LineError(file, line_no, "empty name or description");
    }

    bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (!indented) {
      SchemaDef schema;
      schema.name = ExpandName(head[0]);
      schema.options = ParseOptions(head, 1);
      schema.description = std::move(description);
      schemas.push_back(std::move(schema));
      continue;
    }
    if (schemas.empty()) return LineError(file, line_no, "field before any schema");
    if (head.size() < 2) return LineError(file, line_no, "field needs a name and a type");
    FieldDef field;
    field.name = std::string(head[0]);
    field.type = std::string(head[1]);
    field.options = ParseOptions(head, 2);
    field.description = std::move(description);
    for (const FieldDef& existing : schemas.back().fields) {
      if (existing.name == field.name) return LineError(file, line_no, "duplicate field");
    }
    schemas.back().fields.push_back(std::move(field));
  }
  return schemas;
}

}  // namespace waygate::openapi
