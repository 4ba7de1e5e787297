// ManifestObjects: which file's copy of each object a RouteCompiler holds, for the manifest
// source. A changed file is handed over whole; only the objects it defined before or defines
// now are fed to the compiler (upserted or removed), so a one-file change with 10,000 Ingresses
// loaded costs that file, not the directory. Objects are identified by kind and
// namespace/name; when several files define the same object, the first file by name wins (as
// `kubectl apply -f DIR` would leave the last one applied, a directory of manifests cannot
// hold two objects of one name either way; the loser is reported).
#pragma once

#include <compare>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/decode.h"
#include "model/objects.h"
#include "route/compiler.h"

namespace waygate::sync {

class ManifestObjects {
 public:
  explicit ManifestObjects(route::RouteCompiler* compiler) : compiler_(compiler) {}

  // Replaces file `name`'s objects (null: the file is gone) and feeds the compiler what this
  // changes. Objects defined by an earlier file too are reported in `diagnostics`.
  void SetFile(const std::string& name, std::shared_ptr<const model::ClusterState> objects,
               std::vector<model::Diagnostic>& diagnostics);

 private:
  struct Key {
    route::RouteCompiler::Kind kind;
    std::string namespace_;
    std::string name;
    auto operator<=>(const Key&) const = default;
  };
  struct Entry {
    Key key;
    const void* object;  // a model::<kind> inside the file's ClusterState
    const model::Origin* origin;
  };
  struct File {
    std::shared_ptr<const model::ClusterState> objects;
    std::vector<Entry> entries;  // sorted by key
  };

  static std::vector<Entry> Index(const model::ClusterState& state);
  void Feed(const Key& key);

  route::RouteCompiler* compiler_;
  std::map<std::string, File> files_;             // by file name
  std::map<Key, std::set<std::string>> holders_;  // object -> files defining it, by name
};

}  // namespace waygate::sync
