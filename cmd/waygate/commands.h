#pragma once
#include <string>
#include <vector>
namespace waygate::cmd {
int RunGateway(const std::vector<std::string>& args);
int RunEcho(const std::vector<std::string>& args);
int RunServe(const std::vector<std::string>& args);
int RunKubeconfig(const std::vector<std::string>& args);
int RunRoutes(const std::vector<std::string>& args);
int RunHosts(const std::vector<std::string>& args);
}  // namespace waygate::cmd
