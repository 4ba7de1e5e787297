#include "route/host_table.h"

#include <re2/re2.h>

#include <algorithm>

namespace waygate::route::internal {
namespace {

int TypeOrder(model::PathType type) {
  switch (type) {
    case model::PathType::kExact:
      return 0;
    case model::PathType::kPrefix:
      return 1;
    case model::PathType::kImplementationSpecific:
      return 2;
  }
  return 3;
}

}  // namespace

PathRule MakePathRule(std::string_view path, model::PathType type, const Route* route) {
  PathRule rule;
  rule.type = type;
  rule.route = route;
  if (type == model::PathType::kPrefix) {
    // Kubernetes: a trailing '/' of a Prefix path is ignored ("/foo/" == "/foo").
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    rule.match = std::string(path);
    rule.rank_length = std::max<size_t>(rule.match.size(), 1);
  } else {
    if (path.empty()) path = "/";
    rule.match = std::string(path);
    rule.rank_length = rule.match.size();
  }
  return rule;
}

const Route* HostEntry::MatchRegex(std::string_view path) const {
  const re2::StringPiece text(path.data(), path.size());
  for (const PathRule& rule : paths) {
    // Every Route of a regex host has one: a path whose regex did not compile is not served.
    if (re2::RE2::PartialMatch(text, *rule.route->path_regex)) return rule.route;
  }
  return nullptr;
}

void HostEntry::SortPaths() {
  if (regex) {
    std::stable_sort(paths.begin(), paths.end(), [](const PathRule& a, const PathRule& b) {
      const std::string& x = a.route->path;
      const std::string& y = b.route->path;
      if (x.size() != y.size()) return x.size() > y.size();
      return x > y;
    });
    return;
  }
  std::stable_sort(paths.begin(), paths.end(), [](const PathRule& a, const PathRule& b) {
    if (a.rank_length != b.rank_length) return a.rank_length > b.rank_length;
    return TypeOrder(a.type) < TypeOrder(b.type);
  });
}

void ShardedHostMap::Editor::Set(const std::string& host, BlockPtr block) {
  size_t index = ShardOf(host);
  std::shared_ptr<const Shard>& slot = map_.shards_[index];
  Shard* shard = copies_[index];
  if (shard == nullptr) {
    if (!block && (!slot || slot->find(host) == slot->end())) return;  // erasing what isn't there
    auto copy = slot ? std::make_shared<Shard>(*slot) : std::make_shared<Shard>();
    shard = copies_[index] = copy.get();
    slot = std::move(copy);
  }
  if (block) {
    auto [it, inserted] = shard->insert_or_assign(host, std::move(block));
    if (inserted) ++map_.size_;
  } else if (shard->erase(host) > 0) {
    --map_.size_;
  }
}

}  // namespace waygate::route::internal
