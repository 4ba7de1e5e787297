// HostTable: the lookup structure behind RouteTable (private to route/). Knows hosts, paths and
// Routes, nothing about Kubernetes objects. Every host's rules live in an immutable HostBlock
// shared between snapshots, so a new snapshot after a one-Ingress change copies one map shard
// and rebuilds only that Ingress's hosts (see compiler.h).
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/decode.h"
#include "model/objects.h"
#include "route/route_table.h"

namespace waygate::route::internal {

// One path of one host, in the form that makes matching a single comparison.
struct PathRule {
  // Exact: the path. Prefix: the path without trailing '/' ("/" becomes ""), so that matching
  // is "starts with `match`, then end or '/'". ImplementationSpecific: the path ("" -> "/").
  std::string match;
  model::PathType type = model::PathType::kPrefix;
  size_t rank_length = 0;  // longer first; Prefix "/" counts as 1
  const Route* route = nullptr;

  bool Matches(std::string_view path) const {
    switch (type) {
      case model::PathType::kExact:
        return path == match;
      case model::PathType::kPrefix:
        return path.size() >= match.size() && path.substr(0, match.size()) == match &&
               (path.size() == match.size() || path[match.size()] == '/');
      case model::PathType::kImplementationSpecific:
        return path.substr(0, match.size()) == match;
    }
    return false;
  }
};

// Builds the PathRule for an Ingress path (already validated: starts with '/').
PathRule MakePathRule(std::string_view path, model::PathType type, const Route* route);

// Every path of one host (merged across Ingresses), best first.
struct HostEntry {
  std::vector<PathRule> paths;           // sorted by SortPaths(): the first match is the best match
  const Route* default_route = nullptr;  // defaultBackend of an Ingress that named this host
  // use-regex / rewrite-target on some Ingress of the host: every path is its Route's
  // path_regex, tried in ingress-nginx's order (see SortPaths). One test for the other hosts.
  bool regex = false;

  const Route* Match(std::string_view path) const {
    if (regex) [[unlikely]]
      return MatchRegex(path);
    for (const PathRule& rule : paths) {
      if (rule.Matches(path)) return rule.route;
    }
    return nullptr;
  }
  // The first path whose regex matches (RE2: linear time in the path's length).
  const Route* MatchRegex(std::string_view path) const;
  // Plain hosts: longest rank_length first; on equal length Exact, then Prefix, then
  // ImplementationSpecific; otherwise the order rules were added in (Ingresses by
  // namespace/name). Regex hosts, as ingress-nginx orders nginx's regex locations: longest path
  // text first, then the greater text (byte order), then the order rules were added in.
  void SortPaths();
};

// One host compiled: its Routes (owned; reserved up front, so their addresses are stable), its
// lookup entry,
// the backend slots its Routes use and the problems found while building it. Immutable once
// published, shared by every snapshot until the host changes.
struct HostBlock {
  std::vector<Route> routes;  // never grows past its reserve: PathRules point into it
  HostEntry entry;
  std::vector<uint32_t> slots;  // distinct RouteTable::backends() slots referenced
  std::vector<model::Diagnostic> diagnostics;
  size_t path_routes = 0;  // Routes made from Ingress paths (route_count() counts these)
};
using BlockPtr = std::shared_ptr<const HostBlock>;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// host -> HostBlock, split into shards that are copied on write: replacing one host copies
// one shard (a few dozen entries at 10k hosts), not the whole map.
class ShardedHostMap {
 public:
  static constexpr size_t kShards = 256;
  using Shard = std::unordered_map<std::string, BlockPtr, StringHash, std::equal_to<>>;

  const HostBlock* Find(std::string_view host) const {
    const std::shared_ptr<const Shard>& shard = shards_[ShardOf(host)];
    if (!shard) return nullptr;
    auto it = shard->find(host);
    return it != shard->end() ? it->second.get() : nullptr;
  }
  // The owning pointer (the compiler shares one block under several hosts: server-alias).
  BlockPtr FindBlock(std::string_view host) const {
    const std::shared_ptr<const Shard>& shard = shards_[ShardOf(host)];
    if (!shard) return nullptr;
    auto it = shard->find(host);
    return it != shard->end() ? it->second : nullptr;
  }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // Copy-on-write editing, used by the compiler between snapshots: each shard touched is copied
  // once per Editor, so a snapshot taken before keeps its shards unchanged.
  class Editor {
   public:
    explicit Editor(ShardedHostMap& map) : map_(map) {}
    void Set(const std::string& host, BlockPtr block);  // null block: erase
   private:
    ShardedHostMap& map_;
    std::array<Shard*, kShards> copies_{};  // shards copied by this Editor, still private
  };

 private:
  static size_t ShardOf(std::string_view host) { return StringHash{}(host) % kShards; }
  std::array<std::shared_ptr<const Shard>, kShards> shards_;
  size_t size_ = 0;
};

struct HostTable {
  ShardedHostMap exact;     // "foo.example.com"
  ShardedHostMap wildcard;  // "*.example.com" stored under "example.com"
  BlockPtr any_host;        // rules without host (may be null)
  BlockPtr catch_all;       // holds the gateway-wide defaultBackend Route (may be null)

  // Exact host, else wildcard (one label), else host-less rules. Inside the chosen host: its
  // paths, then its default_route, then catch_all. No fall-through between hosts.
  const Route* Lookup(std::string_view host, std::string_view path) const {
    const HostBlock* block = exact.Find(host);
    if (block == nullptr && !wildcard.empty()) {
      size_t dot = host.find('.');
      if (dot != std::string_view::npos && dot > 0) block = wildcard.Find(host.substr(dot + 1));
    }
    if (block == nullptr) block = any_host.get();
    if (block != nullptr) {
      if (const Route* route = block->entry.Match(path)) return route;
      if (block->entry.default_route != nullptr) return block->entry.default_route;
    }
    return catch_all != nullptr ? &catch_all->routes.front() : nullptr;
  }
};

}  // namespace waygate::route::internal

namespace waygate::route {
struct RouteTable::Impl : internal::HostTable {};
}  // namespace waygate::route
