// A gateway node's presence in the API: registers a `Node` (v1) named after the node, with its
// InternalIP/ExternalIP addresses and labels, then heartbeats its Ready condition every
// interval, as a kubelet does, so the server can tell live gateway nodes from dead ones (a
// server-side controller marks a Node whose heartbeat stops NotReady).
//
// Failures never end the agent: each one is logged (once, then again when it changes or
// recovers), kept in stats, and retried with backoff. A Node deleted under us is created again.
//
// Threads: Start spawns one thread that does all the I/O; Stop (or the destructor) wakes it
// and cancels any request in flight, so it returns promptly whatever the server does.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "kubeclient/api_client.h"
#include "kubeclient/backoff.h"
#include "kubeclient/config.h"
#include "kubeclient/rest_client.h"
#include "nodeagent/node_object.h"

namespace waygate::nodeagent {

// node-role.kubernetes.io/gateway: "" (kubectl's ROLES column shows "gateway") and
// waygate.io/gateway-node: "true" (what the server's node controller selects on).
std::map<std::string, std::string> DefaultGatewayLabels();

struct NodeAgentOptions {
  kubeclient::Config client;
  std::string node_name;                  // empty: the host name, lower-cased
  std::vector<std::string> internal_ips;  // --node-ip (repeatable)
  std::vector<std::string> external_ips;  // --node-external-ip (repeatable)
  // Merged into the Node's labels (others' labels are kept). The agent adds
  // kubernetes.io/hostname, kubernetes.io/os and kubernetes.io/arch, as a kubelet does.
  std::map<std::string, std::string> labels = DefaultGatewayLabels();
  std::string version = "waygate/dev";  // status.nodeInfo.kubeletVersion
  // kubelet's nodeStatusUpdateFrequency.
  std::chrono::milliseconds heartbeat_interval{10000};
  std::chrono::milliseconds request_timeout{10000};
  // Retries after a failure: 200 ms doubling, capped at the heartbeat interval.
  kubeclient::BackoffPolicy backoff;
  // Wall clock for the condition timestamps; tests inject one.
  std::function<std::chrono::system_clock::time_point()> now;
};

struct NodeAgentStats {
  uint64_t registrations = 0;    // the Node created, or found and its labels brought up to date
  uint64_t heartbeats_sent = 0;  // status writes the server accepted
  uint64_t failures = 0;
  std::string last_error;  // "" once a write succeeds again
  std::chrono::system_clock::time_point last_heartbeat{};
};

class NodeAgent {
 public:
  // Fails only on options that can never work (an address that is not an IP, a node name that
  // is not a DNS subdomain, no usable host name, a CA that does not parse). The server need not
  // be up: registration is retried in the background.
  static Result<std::unique_ptr<NodeAgent>> Start(NodeAgentOptions options);
  ~NodeAgent();  // Stop()
  NodeAgent(const NodeAgent&) = delete;
  NodeAgent& operator=(const NodeAgent&) = delete;

  void Stop();
  const std::string& node_name() const { return facts_.name; }
  NodeAgentStats stats() const;

 private:
  NodeAgent(NodeAgentOptions options, NodeFacts facts,
            std::shared_ptr<kubeclient::Cluster> cluster);
  void Run();
  Status Register();
  // The time written as lastHeartbeatTime.
  Result<std::chrono::system_clock::time_point> Heartbeat();
  // Waits `delay` or until Stop; false when stopping.
  bool Sleep(std::chrono::milliseconds delay);
  std::string Now() const;
  void Record(const Result<std::chrono::system_clock::time_point>& beat, const char* what);

  const NodeAgentOptions options_;
  const NodeFacts facts_;
  const std::string path_;  // /api/v1/nodes/<name>
  kubeclient::RestClient client_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  NodeAgentStats stats_;
  std::thread thread_;
};

}  // namespace waygate::nodeagent
