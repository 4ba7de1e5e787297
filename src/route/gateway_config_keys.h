// The Gateway config keys Waygate understands (spec.controller.config, ingress-nginx ConfigMap
// names), with their defaults and a one-line description: what the console offers when a
// project admin edits the gateway's configuration. ApplyGatewaySetting is the authority; a test
// keeps this table and it in step.
#pragma once

#include <string_view>
#include <vector>

namespace waygate::route {

struct GatewayConfigKey {
  std::string_view key;
  std::string_view default_value;  // as a user would write it
  std::string_view description;
  std::string_view example;        // a valid value, other than the default when possible
};

const std::vector<GatewayConfigKey>& GatewayConfigKeys();

}  // namespace waygate::route
