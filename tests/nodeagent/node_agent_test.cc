#include "nodeagent/node_agent.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>

#include "api_fixture.h"

namespace waygate::nodeagent {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::ApiFixture;
using testing::WaitFor;

// 2026-01-01T00:00:00Z.
constexpr int64_t kEpoch = 1767225600;

class NodeAgentTest : public ApiFixture {
 protected:
  NodeAgentOptions Options(const std::string& name = "gw-1") {
    NodeAgentOptions options;
    options.client = ClientConfig();
    options.node_name = name;
    options.internal_ips = {"10.0.0.1", "10.0.0.2"};
    options.external_ips = {"203.0.113.5"};
    options.version = "waygate/test";
    options.heartbeat_interval = milliseconds(20);
    options.backoff.initial = milliseconds(10);
    options.backoff.jitter = 0;
    options.now = [this] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(clock_.load()));
    };
    return options;
  }

  std::unique_ptr<NodeAgent> StartAgent(NodeAgentOptions options) {
    auto agent = NodeAgent::Start(std::move(options));
    EXPECT_TRUE(agent.ok()) << agent.error().ToString();
    return agent.ok() ? std::move(*agent) : nullptr;
  }

  // Waits until `agent` has sent `more` heartbeats beyond what it had sent so far.
  static bool MoreHeartbeats(NodeAgent& agent, uint64_t more) {
    uint64_t target = agent.stats().heartbeats_sent + more;
    return WaitFor([&] { return agent.stats().heartbeats_sent >= target; });
  }

  static const json* Ready(const json& node) {
    if (!node.contains("status")) return nullptr;
    for (const json& c : node["status"]["conditions"]) {
      if (c["type"] == "Ready") return &c;
    }
    return nullptr;
  }

  std::atomic<int64_t> clock_{kEpoch};
};

TEST_F(NodeAgentTest, RegistersNodeWithAddressesLabelsAndReadyCondition) {
  auto agent = StartAgent(Options());
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(MoreHeartbeats(*agent, 1));
  json node = GetNode("gw-1");
  ASSERT_TRUE(node.is_object());
  EXPECT_EQ(node["status"]["addresses"], json::parse(R"([
    {"type": "InternalIP", "address": "10.0.0.1"},
    {"type": "InternalIP", "address": "10.0.0.2"},
    {"type": "ExternalIP", "address": "203.0.113.5"},
    {"type": "Hostname", "address": "gw-1"}])"));
  const json& labels = node["metadata"]["labels"];
  EXPECT_EQ(labels["node-role.kubernetes.io/gateway"], "");
  EXPECT_EQ(labels["waygate.io/gateway-node"], "true");
  EXPECT_EQ(labels["kubernetes.io/hostname"], "gw-1");
  EXPECT_EQ(labels["kubernetes.io/os"], "linux");
  EXPECT_EQ(node["status"]["nodeInfo"]["kubeletVersion"], "waygate/test");
  const json* ready = Ready(node);
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ((*ready)["status"], "True");
  EXPECT_EQ((*ready)["reason"], "GatewayReady");
  EXPECT_EQ((*ready)["message"], "waygate gateway node is serving");
  EXPECT_EQ((*ready)["lastHeartbeatTime"], "2026-01-01T00:00:00Z");
  EXPECT_EQ((*ready)["lastTransitionTime"], "2026-01-01T00:00:00Z");
  auto stats = agent->stats();
  EXPECT_EQ(stats.registrations, 1u);
  EXPECT_EQ(stats.failures, 0u);
  EXPECT_EQ(stats.last_error, "");
}

TEST_F(NodeAgentTest, HeartbeatTimeAdvancesAndTransitionTimeStays) {
  auto agent = StartAgent(Options());
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(MoreHeartbeats(*agent, 1));
  clock_ += 10;
  // Two more: the first may have read the clock before it moved.
  ASSERT_TRUE(MoreHeartbeats(*agent, 2));
  json node = GetNode("gw-1");
  const json* ready = Ready(node);
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ((*ready)["lastHeartbeatTime"], "2026-01-01T00:00:10Z");
  EXPECT_EQ((*ready)["lastTransitionTime"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(agent->stats().last_heartbeat,
            std::chrono::system_clock::time_point(std::chrono::seconds(kEpoch + 10)));
}

TEST_F(NodeAgentTest, ExistingNodeKeepsForeignLabelsAndConditions) {
  json before = CreateNode(json::parse(R"({
    "apiVersion": "v1", "kind": "Node",
    "metadata": {"name": "gw-1",
                 "labels": {"team": "edge", "waygate.io/gateway-node": "false"}}})"));
  WriteStatus("gw-1", json::parse(R"({
    "conditions": [{"type": "NetworkUnavailable", "status": "False", "reason": "RouteCreated"}],
    "addresses": [{"type": "InternalIP", "address": "192.168.1.1"}]})"));
  auto agent = StartAgent(Options());
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(MoreHeartbeats(*agent, 1));
  json node = GetNode("gw-1");
  EXPECT_EQ(node["metadata"]["uid"], before["metadata"]["uid"]);  // updated, not replaced
  EXPECT_EQ(node["metadata"]["labels"]["team"], "edge");
  EXPECT_EQ(node["metadata"]["labels"]["waygate.io/gateway-node"], "true");
  EXPECT_EQ(node["metadata"]["labels"]["node-role.kubernetes.io/gateway"], "");
  ASSERT_EQ(node["status"]["conditions"].size(), 2u);
  EXPECT_EQ(node["status"]["conditions"][0]["type"], "NetworkUnavailable");
  EXPECT_EQ(node["status"]["addresses"][0]["address"], "10.0.0.1");
  EXPECT_EQ(node["status"]["addresses"].size(), 4u);
}

TEST_F(NodeAgentTest, NotReadyFromTheServerIsFlippedBackWithANewTransitionTime) {
  auto agent = StartAgent(Options());
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(MoreHeartbeats(*agent, 1));
  clock_ += 60;
  // What the server's node controller writes for a node it has not heard from.
  json status = GetNode("gw-1")["status"];
  status["conditions"] = json::parse(R"([{"type": "Ready", "status": "Unknown",
    "reason": "NodeStatusUnknown", "lastHeartbeatTime": "2026-01-01T00:00:00Z",
    "lastTransitionTime": "2026-01-01T00:00:40Z"}])");
  WriteStatus("gw-1", status);
  ASSERT_TRUE(MoreHeartbeats(*agent, 2));
  json node = GetNode("gw-1");
  const json* ready = Ready(node);
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ((*ready)["status"], "True");
  EXPECT_EQ((*ready)["reason"], "GatewayReady");
  EXPECT_EQ((*ready)["lastTransitionTime"], "2026-01-01T00:01:00Z");
}

TEST_F(NodeAgentTest, RegistersOnceTheServerComesUp) {
  StopServer();
  auto agent = StartAgent(Options());
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(WaitFor([&] { return agent->stats().failures >= 2; }));
  auto down = agent->stats();
  EXPECT_EQ(down.heartbeats_sent, 0u);
  EXPECT_NE(down.last_error.find("GET /api/v1/nodes/gw-1"), std::string::npos) << down.last_error;
  EXPECT_FALSE(GetNode("gw-1").is_object());
  RestartServer();
  ASSERT_TRUE(MoreHeartbeats(*agent, 1));
  EXPECT_EQ(agent->stats().last_error, "");
  EXPECT_EQ(Ready(GetNode("gw-1"))->at("status"), "True");
}

TEST_F(NodeAgentTest, HeartbeatsResumeAfterTheServerRestarts) {
  auto agent = StartAgent(Options());
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(MoreHeartbeats(*agent, 1));
  StopServer();
  uint64_t failures = agent->stats().failures;
  ASSERT_TRUE(WaitFor([&] { return agent->stats().failures >= failures + 2; }));
  EXPECT_NE(agent->stats().last_error, "");
  clock_ += 30;
  RestartServer();
  ASSERT_TRUE(MoreHeartbeats(*agent, 1));
  EXPECT_EQ(agent->stats().last_error, "");
  EXPECT_EQ(agent->stats().registrations, 1u);  // the Node was there all along
  EXPECT_EQ(Ready(GetNode("gw-1"))->at("lastHeartbeatTime"), "2026-01-01T00:00:30Z");
}

TEST_F(NodeAgentTest, RecreatesADeletedNode) {
  auto agent = StartAgent(Options());
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(MoreHeartbeats(*agent, 1));
  json first = GetNode("gw-1");
  DeleteNode("gw-1");
  ASSERT_TRUE(WaitFor([&] { return agent->stats().registrations >= 2; }));
  ASSERT_TRUE(MoreHeartbeats(*agent, 1));
  json second = GetNode("gw-1");
  ASSERT_TRUE(second.is_object());
  EXPECT_NE(second["metadata"]["uid"], first["metadata"]["uid"]);
  EXPECT_EQ(second["metadata"]["labels"]["waygate.io/gateway-node"], "true");
  EXPECT_EQ(Ready(second)->at("status"), "True");
}

TEST_F(NodeAgentTest, RejectedTokenIsReportedAndRetriedNotFatal) {
  NodeAgentOptions options = Options();
  options.client = ClientConfig("wrong-token");
  auto agent = StartAgent(std::move(options));
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(WaitFor([&] { return agent->stats().failures >= 2; }));
  EXPECT_NE(agent->stats().last_error.find("401"), std::string::npos) << agent->stats().last_error;
  EXPECT_EQ(agent->stats().heartbeats_sent, 0u);
  EXPECT_FALSE(GetNode("gw-1").is_object());
}

TEST_F(NodeAgentTest, StopIsPromptBetweenHeartbeats) {
  NodeAgentOptions options = Options();
  options.heartbeat_interval = std::chrono::hours(1);
  auto agent = StartAgent(std::move(options));
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(MoreHeartbeats(*agent, 1));
  auto start = std::chrono::steady_clock::now();
  agent->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  agent.reset();  // the destructor after Stop is harmless
}

TEST_F(NodeAgentTest, StopIsPromptWhileTheServerHangs) {
  // A listener nobody accepts from: connects complete in the backlog, requests never answered.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  NodeAgentOptions options = Options();
  options.client.server.port = ntohs(addr.sin_port);
  options.request_timeout = std::chrono::seconds(60);
  auto agent = StartAgent(std::move(options));
  ASSERT_NE(agent, nullptr);
  std::this_thread::sleep_for(milliseconds(100));  // let it block inside its first request
  auto start = std::chrono::steady_clock::now();
  agent->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  EXPECT_EQ(agent->stats().heartbeats_sent, 0u);
  close(fd);
}

TEST_F(NodeAgentTest, RejectsOptionsThatCanNeverWork) {
  NodeAgentOptions bad_ip = Options();
  bad_ip.internal_ips = {"10.0.0.300"};
  auto a = NodeAgent::Start(bad_ip);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().field, "node-ip");

  NodeAgentOptions bad_external = Options();
  bad_external.external_ips = {"example.com"};
  auto b = NodeAgent::Start(bad_external);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().field, "node-external-ip");

  auto c = NodeAgent::Start(Options("Not_A_Name"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "node-name");

  NodeAgentOptions bad_label = Options();
  bad_label.labels["bad key!"] = "x";
  auto d = NodeAgent::Start(bad_label);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().field, "labels");
}

TEST_F(NodeAgentTest, DefaultNameIsTheLowerCasedHostName) {
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  std::string expected = host;
  for (char& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto agent = NodeAgent::Start(Options(""));
  ASSERT_TRUE(agent.ok()) << agent.error().ToString();
  EXPECT_EQ((*agent)->node_name(), expected);
  ASSERT_TRUE(MoreHeartbeats(**agent, 1));
  EXPECT_TRUE(GetNode(expected).is_object());
}

}  // namespace
}  // namespace waygate::nodeagent
