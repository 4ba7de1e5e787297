// The external address (EIP) of a LoadBalancer gateway, chosen from the --lb-pool like a
// bare-metal load balancer (MetalLB, OpenELB) does. A gateway that cannot get one stays Pending
// with a reason the controller turns into a Warning Event; it is never an API error.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gateways/ranges.h"

namespace waygate::gateways {

// Event reasons for a gateway left without an address.
inline constexpr const char* kReasonNoPool = "NoAddressPool";
inline constexpr const char* kReasonPoolExhausted = "AddressPoolExhausted";
inline constexpr const char* kReasonNotInPool = "AddressNotInPool";
inline constexpr const char* kReasonInUse = "AddressInUse";

struct AddressPending {
  std::string reason;   // one of the kReason* above
  std::string message;  // a sentence for the Event and `kubectl describe`
};

struct AddressChoice {
  std::string address;  // canonical text ("127.0.0.100"); empty when pending
  std::optional<AddressPending> pending;
  bool ok() const { return !pending.has_value(); }
};

// `requested`: spec.service.loadBalancerIP (empty: any). `current`: the address the gateway
// holds now (from its status), kept while it stays valid so an edit never moves the EIP.
// `used_by_others`: address -> holder ("ns/name") for every other gateway; keys in any textual
// form of the address. Deterministic: the first free address in pool order.
AddressChoice AllocateAddress(std::string_view requested, std::string_view current,
                              const AddressPool& pool,
                              const std::map<std::string, std::string>& used_by_others);

}  // namespace waygate::gateways
