// waygate: one binary, one subcommand per role (docs/ARCHITECTURE.md, DESIGN.md "Roles").
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.h"

namespace {

constexpr const char* kUsage =
    "usage: waygate <command> [flags]\n"
    "\n"
    "commands:\n"
    "  serve --data-dir DIR [--api-listen ADDR] [--node-ip IP] [--store sqlite:PATH]\n"
    "        [--nodeport-range A-B] [--dns-listen ADDR] [--node-name NAME]\n"
    "        [--node-external-ip IP] [--heartbeat-interval D] [--node-grace-period D]\n"
    "        [--lb-pool RANGE|CIDR] [--lb-http-port N] [--lb-https-port N] [--demo]\n"
    "        [--http-listen ADDR] [--https-listen ADDR] [--default-ssl-certificate NS/NAME]\n"
    "      the all-in-one node: a Kubernetes-compatible API (HTTPS, embedded store in DIR)\n"
    "      and a gateway node; --demo adds project demo, echo backends, a NodePort gateway\n"
    "      and the seed's routes, and prints the access table and curl lines\n"
    "  kubeconfig --data-dir DIR [--user NAME [--ttl 24h]] [--server URL] [--namespace NS]\n"
    "      print a kubeconfig for kubectl (CA from DIR; admin: the admin token, another\n"
    "      user: a new token for that User, which must exist and be Active)\n"
    "  routes [-n NS | -A] [--kubeconfig FILE | --data-dir DIR] [-o table|json]\n"
    "      the access table of every route: hostname, paths, access method, port/EIP, node IP,\n"
    "      URLs to open\n"
    "  hosts [-n NS | -A] [--kubeconfig FILE | --data-dir DIR]\n"
    "      /etc/hosts lines (gateway address -> route hosts)\n"
    "  gateway --manifests DIR --http-listen ADDR [--https-listen ADDR] --admin-listen ADDR\n"
    "          [--ingress-class NAME] [--gateway NS/NAME] [--workers N]\n"
    "          [--access-log PATH|-] [--access-log-format combined|json] [--log-level LEVEL]\n"
    "          [--default-ssl-certificate NS/NAME]\n"
    "      serve the Ingresses of a directory of Kubernetes manifests (watched live)\n"
    "  gateway --kubeconfig FILE|in-cluster [--node-ip IP ...] [--node-name NAME]\n"
    "          [--lb-http-port N] [--lb-https-port N] [the flags above]\n"
    "      a gateway node following an API; with --node-ip it registers its Node and\n"
    "      listens on every Gateway's node ports (and the EIPs its host has)\n"
    "  echo --listen ADDR --name NAME\n"
    "      a demo/test backend answering every request with JSON describing it\n"
    "  version\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
      !strcmp(argv[1], "help")) {
    fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "gateway") return waygate::cmd::RunGateway(args);
  if (command == "echo") return waygate::cmd::RunEcho(args);
  if (command == "serve") return waygate::cmd::RunServe(args);
  if (command == "kubeconfig") return waygate::cmd::RunKubeconfig(args);
  if (command == "routes") return waygate::cmd::RunRoutes(args);
  if (command == "hosts") return waygate::cmd::RunHosts(args);
  if (command == "version" || command == "--version") {
    printf("waygate 0.1.0\n");
    return 0;
  }
  fprintf(stderr, "waygate: unknown command \"%s\"\n\n%s", command.c_str(), kUsage);
  return 2;
}
