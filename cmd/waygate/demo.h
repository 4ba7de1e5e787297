// `waygate serve --demo`: the seed's Routes walk-through set up on a fresh (or earlier) data
// dir. Through the server's public API, as kubectl would (so admission allocates node ports),
// it ensures project `demo`, Service `demo-echo` with Endpoints on two in-process echo
// backends, the NodePort project gateway `kubesphere-router-demo` and Ingress `demo-route`
// (demo.kubesphere.io and a nip.io name), then prints the access table and lines to paste.
//
// Idempotent: an object that exists is left as the user edited it, except the Endpoints, which
// must name this run's echo ports (the backends live in this process, on port 0).
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "echo/server.h"
#include "kubeclient/config.h"

namespace waygate::cmd {

struct DemoOptions {
  kubeclient::Config client;                     // the admin, over loopback HTTPS
  std::vector<std::string> node_ips;             // --node-ip
  std::vector<std::string> external_ips;         // --node-external-ip (what status publishes first)
  std::string ingress_class = "waygate";         // --ingress-class
  std::string dns_address;                       // the bound --dns-listen address; "" without DNS
  std::string data_dir;                          // for the kubectl / waygate routes lines
  std::chrono::milliseconds status_wait{10000};  // for the gateway's node ports and addresses
  FILE* out = stdout;
};

// Owns the echo backends: they stop when it is destroyed.
class Demo {
 public:
  ~Demo();
  Demo(const Demo&) = delete;
  Demo& operator=(const Demo&) = delete;

  // Errors: an echo backend that cannot listen, or an API request that fails (the message
  // names the request and quotes the server's Status). A gateway status that does not fill in
  // within `status_wait` is not an error: the table is printed as it stands, with a warning.
  static Result<std::unique_ptr<Demo>> Start(const DemoOptions& options);

 private:
  Demo() = default;
  std::vector<std::unique_ptr<echo::Server>> echoes_;
};

}  // namespace waygate::cmd
