#include "model/decode.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <utility>

#include "model/decode_json.h"
#include "model/yaml_json.h"

namespace waygate::model {
namespace {

constexpr size_t kMaxManifestBytes = 64 << 20;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool LooksLikeJson(std::string_view text, std::string_view file) {
  if (EndsWith(file, ".json")) return true;
  if (EndsWith(file, ".yaml") || EndsWith(file, ".yml")) return false;
  size_t i = text.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && text[i] == '{';
}

std::string Where(const Origin& origin) {
  std::string out = origin.file;
  if (origin.document >= 0) out += "[" + std::to_string(origin.document) + "]";
  if (origin.item >= 0) out += ".items[" + std::to_string(origin.item) + "]";
  return out;
}

Diagnostic FileError(const std::string& file, std::string message) {
  return Diagnostic{Origin{file, -1, -1}, "", Error{ErrorCode::kIo, std::move(message), ""}};
}

// Reads a whole file; on failure returns false with a reason in `error`.
bool ReadFile(const std::string& path, std::string& out, std::string& error) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = std::strerror(errno);
    return false;
  }
  char buf[65536];
  size_t n;
  bool ok = true;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
    if (out.size() > kMaxManifestBytes) {
      error = "file larger than " + std::to_string(kMaxManifestBytes) + " bytes";
      ok = false;
      break;
    }
  }
  if (ok && std::ferror(f)) {
    error = std::strerror(errno);
    ok = false;
  }
  std::fclose(f);
  return ok;
}

// The same kind, namespace and name defined twice in one directory: the first definition (in
// file-name order) stays, as it would be the one created; the later ones are reported.
template <class T>
void DropDuplicates(std::vector<T>& objects, const char* kind,
                    std::vector<Diagnostic>& diagnostics) {
  std::unordered_map<std::string, Origin> seen;
  seen.reserve(objects.size());
  size_t kept = 0;
  for (size_t i = 0; i < objects.size(); ++i) {
    T& obj = objects[i];
    std::string key = obj.meta.namespace_ + "/" + obj.meta.name;
    auto [it, inserted] = seen.emplace(key, obj.origin);
    if (!inserted) {
      std::string object =
          std::string(kind) + " " + (obj.meta.namespace_.empty() ? obj.meta.name : key);
      diagnostics.push_back(Diagnostic{
          obj.origin, object,
          Error{ErrorCode::kConflict,
                "already defined at " + Where(it->second) + "; this definition is ignored",
                "metadata.name"}});
      continue;
    }
    if (kept != i) objects[kept] = std::move(obj);
    ++kept;
  }
  objects.resize(kept);
}

}  // namespace

std::string Diagnostic::ToString() const {
  std::string out = Where(origin);
  out += ": ";
  if (!object.empty()) {
    out += object;
    out += ": ";
  }
  out += error.ToString();
  return out;
}

void DecodeManifest(std::string_view text, const std::string& file, ClusterState& state,
                    std::vector<Diagnostic>& diagnostics) {
  if (LooksLikeJson(text, file)) {
    Result<nlohmann::json> value = ParseJson(text);
    if (!value.ok()) {
      diagnostics.push_back(Diagnostic{Origin{file, 0, -1}, "", value.error()});
      return;
    }
    DecodeObject(*value, Origin{file, 0, -1}, state, diagnostics);
    return;
  }
  auto syntax_error = ParseYamlStream(text, [&](int index, nlohmann::json&& doc) {
    DecodeObject(doc, Origin{file, index, -1}, state, diagnostics);
  });
  if (syntax_error) {
    diagnostics.push_back(
        Diagnostic{Origin{file, syntax_error->document, -1}, "", std::move(syntax_error->error)});
  }
}

ClusterState LoadManifestDir(const std::string& dir, std::vector<Diagnostic>& diagnostics) {
  namespace fs = std::filesystem;
  ClusterState state;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    diagnostics.push_back(FileError(dir, "cannot read directory: " + ec.message()));
    return state;
  }
  std::vector<std::string> names;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // hidden, ..data of ConfigMap mounts
    if (EndsWith(name, "~") || EndsWith(name, ".swp")) continue;  // editor leftovers
    if (!EndsWith(name, ".yaml") && !EndsWith(name, ".yml") && !EndsWith(name, ".json")) continue;
    names.push_back(std::move(name));
  }
  if (ec) diagnostics.push_back(FileError(dir, "cannot list directory: " + ec.message()));
  std::sort(names.begin(), names.end());

  for (const std::string& name : names) {
    std::string path = (fs::path(dir) / name).string();
    // status() follows symlinks: ConfigMap volumes present every file as one.
    fs::file_status st = fs::status(path, ec);
    if (ec) {
      diagnostics.push_back(FileError(path, "cannot read: " + ec.message()));
      continue;
    }
    if (!fs::is_regular_file(st)) continue;  // directories, sockets, fifos
    std::string text, error;
    if (!ReadFile(path, text, error)) {
      diagnostics.push_back(FileError(path, "cannot read: " + error));
      continue;
    }
    DecodeManifest(text, path, state, diagnostics);
  }

  DropDuplicates(state.ingresses, "Ingress", diagnostics);
  DropDuplicates(state.ingress_classes, "IngressClass", diagnostics);
  DropDuplicates(state.services, "Service", diagnostics);
  DropDuplicates(state.endpoints, "Endpoints", diagnostics);
  DropDuplicates(state.endpoint_slices, "EndpointSlice", diagnostics);
  DropDuplicates(state.secrets, "Secret", diagnostics);
  DropDuplicates(state.gateways, "Gateway", diagnostics);
  return state;
}

}  // namespace waygate::model
