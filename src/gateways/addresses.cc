#include "gateways/addresses.h"

#include <set>

namespace waygate::gateways {
namespace {

AddressChoice Pending(const char* reason, std::string message) {
  return AddressChoice{{}, AddressPending{reason, std::move(message)}};
}

}  // namespace

AddressChoice AllocateAddress(std::string_view requested, std::string_view current,
                              const AddressPool& pool,
                              const std::map<std::string, std::string>& used_by_others) {
  if (pool.empty()) {
    return Pending(kReasonNoPool,
                   "no load balancer address pool is configured (waygate serve --lb-pool)");
  }
  std::map<IpAddress, const std::string*> used;
  for (const auto& [address, holder] : used_by_others) {
    if (std::optional<IpAddress> ip = IpAddress::Parse(address)) used.emplace(*ip, &holder);
  }
  const std::string pool_text = " (--lb-pool " + pool.ToString() + ")";

  if (!requested.empty()) {
    std::optional<IpAddress> want = IpAddress::Parse(requested);
    if (!want || !pool.Contains(*want)) {
      return Pending(kReasonNotInPool, "requested loadBalancerIP " + std::string(requested) +
                                           " is not in the load balancer pool" + pool_text);
    }
    if (auto it = used.find(*want); it != used.end()) {
      return Pending(kReasonInUse, "requested loadBalancerIP " + want->ToString() +
                                       " is in use by Gateway " + *it->second);
    }
    return AddressChoice{want->ToString(), std::nullopt};
  }
  if (std::optional<IpAddress> held = IpAddress::Parse(current)) {
    if (pool.Contains(*held) && used.find(*held) == used.end()) {
      return AddressChoice{held->ToString(), std::nullopt};
    }
  }
  std::set<IpAddress> taken;
  for (const auto& [ip, holder] : used) taken.insert(ip);
  std::optional<IpAddress> free = pool.FirstFree(taken);
  if (!free) {
    return Pending(kReasonPoolExhausted, "no free address in the load balancer pool" + pool_text +
                                             ": every address is in use by another gateway");
  }
  return AddressChoice{free->ToString(), std::nullopt};
}

}  // namespace waygate::gateways
