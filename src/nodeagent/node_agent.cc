#include "nodeagent/node_agent.h"

#include <arpa/inet.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>

#include "base/log.h"
#include "model/names.h"

namespace waygate::nodeagent {
namespace {

using nlohmann::json;

// A PUT that loses a race with another writer (the server's node controller) is redone on a
// fresh read at once; beyond this many losses in a row, the normal retry backoff applies.
constexpr int kConflictRetries = 3;

bool IsIp(const std::string& text) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

std::string Joined(const model::Messages& messages) {
  std::string out;
  for (const std::string& m : messages) out += (out.empty() ? "" : "; ") + m;
  return out;
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  std::string name = buf;
  // kubelet lower-cases it too: Node names are DNS subdomains.
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return name;
}

// PRETTY_NAME from /etc/os-release ("Debian GNU/Linux 12 (bookworm)"), as kubelet reports it.
std::string OsImage() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("PRETTY_NAME=")) continue;
    std::string value = line.substr(12);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return "";
}

// uname's machine in Go's spelling, which is what Node consumers expect.
std::string GoArch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "i686" || machine == "i386") return "386";
  return machine;
}

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  time_t secs = std::chrono::system_clock::to_time_t(t);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::map<std::string, std::string> DefaultGatewayLabels() {
  return {{"node-role.kubernetes.io/gateway", ""}, {"waygate.io/gateway-node", "true"}};
}

Result<std::unique_ptr<NodeAgent>> NodeAgent::Start(NodeAgentOptions options) {
  NodeFacts facts;
  facts.name = options.node_name.empty() ? HostName() : options.node_name;
  if (facts.name.empty()) {
    return MakeError(ErrorCode::kInvalid, "node name: no host name; set one", "node-name");
  }
  if (auto bad = model::IsDNS1123Subdomain(facts.name); !bad.empty()) {
    return MakeError(ErrorCode::kInvalid, "node name \"" + facts.name + "\": " + Joined(bad),
                     "node-name");
  }
  for (const auto* list : {&options.internal_ips, &options.external_ips}) {
    for (const std::string& ip : *list) {
      if (!IsIp(ip)) {
        bool internal = list == &options.internal_ips;
        return MakeError(ErrorCode::kInvalid, "\"" + ip + "\" is not an IP address",
                         internal ? "node-ip" : "node-external-ip");
      }
    }
  }
  if (options.heartbeat_interval.count() <= 0) {
    return MakeError(ErrorCode::kInvalid, "the heartbeat interval must be positive");
  }
  struct utsname uts;
  std::string machine;
  if (uname(&uts) == 0) {
    facts.kernel_version = uts.release;
    machine = uts.machine;
  }
  facts.architecture = GoArch(machine);
  facts.os_image = OsImage();
  facts.version = options.version;
  facts.internal_ips = options.internal_ips;
  facts.external_ips = options.external_ips;
  facts.labels = {{"kubernetes.io/hostname", facts.name}, {"kubernetes.io/os", "linux"}};
  if (!facts.architecture.empty()) facts.labels["kubernetes.io/arch"] = facts.architecture;
  for (const auto& [key, value] : options.labels) {
    auto bad_key = model::IsLabelKey(key);
    auto bad_value = model::IsLabelValue(value);
    if (!bad_key.empty() || !bad_value.empty()) {
      return MakeError(ErrorCode::kInvalid,
                       "label " + key + "=" + value + ": " + Joined(bad_key) + Joined(bad_value),
                       "labels");
    }
    facts.labels[key] = value;
  }
  options.backoff.max = std::min(options.backoff.max, options.heartbeat_interval);

  auto cluster = kubeclient::Cluster::Create(options.client);
  if (!cluster.ok()) return cluster.error();
  std::unique_ptr<NodeAgent> agent(
      new NodeAgent(std::move(options), std::move(facts), std::move(*cluster)));
  agent->thread_ = std::thread([a = agent.get()] { a->Run(); });
  return agent;
}

NodeAgent::NodeAgent(NodeAgentOptions options, NodeFacts facts,
                     std::shared_ptr<kubeclient::Cluster> cluster)
    : options_(std::move(options)),
      facts_(std::move(facts)),
      path_("/api/v1/nodes/" + facts_.name),
      client_(std::move(cluster)) {
  client_.timeout = options_.request_timeout;
}

NodeAgent::~NodeAgent() { Stop(); }

void NodeAgent::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  client_.Cancel();
  if (thread_.joinable()) thread_.join();
}

NodeAgentStats NodeAgent::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::string NodeAgent::Now() const {
  return Rfc3339(options_.now ? options_.now() : std::chrono::system_clock::now());
}

bool NodeAgent::Sleep(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, delay, [this] { return stopping_; });
  return !stopping_;
}

void NodeAgent::Run() {
  kubeclient::Backoff backoff(options_.backoff, std::hash<std::string>{}(facts_.name) | 1);
  bool registered = false;
  for (;;) {
    using TimePoint = std::chrono::system_clock::time_point;
    Status registration = registered ? OkStatus() : Register();
    registered = registration.ok();
    // Right after registering too: a fresh Node has no status yet, an old one a stale one.
    Result<TimePoint> beat = registered ? Heartbeat() : Result<TimePoint>(registration.error());
    const char* what = registered ? "heartbeat" : "register";
    // Deleted under us (kubectl delete node): register again on the next round.
    if (!beat.ok() && beat.error().code == ErrorCode::kNotFound) registered = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;  // a canceled request is not a failure worth reporting
    }
    Record(beat, what);
    if (!Sleep(beat.ok() ? options_.heartbeat_interval : backoff.Next())) return;
    if (beat.ok()) backoff.Reset();
  }
}

void NodeAgent::Record(const Result<std::chrono::system_clock::time_point>& beat,
                       const char* what) {
  std::string previous;
  {
    // One update, so a reader never sees the new heartbeat with the old error.
    std::lock_guard<std::mutex> lock(mu_);
    previous = stats_.last_error;
    if (beat.ok()) {
      ++stats_.heartbeats_sent;
      stats_.last_heartbeat = *beat;
      stats_.last_error.clear();
    } else {
      ++stats_.failures;
      stats_.last_error = beat.error().message;
    }
  }
  // One line per change, not one per retry: a server down for an hour is one warning.
  if (!beat.ok() && beat.error().message != previous) {
    log::Warn("nodeagent: Node " + facts_.name + ": " + what + ": " + beat.error().message +
              " (retrying)");
  } else if (beat.ok() && !previous.empty()) {
    log::Info("nodeagent: Node " + facts_.name + ": heartbeats resumed");
  }
}

Status NodeAgent::Register() {
  auto got = client_.Get(path_);
  if (!got.ok() && got.error().code == ErrorCode::kNotFound) {
    auto created = client_.Create("/api/v1/nodes", NewNode(facts_, Now()));
    if (created.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.registrations;
      log::Info("nodeagent: registered Node " + facts_.name);
      return OkStatus();
    }
    if (created.error().code != ErrorCode::kConflict) return created.error();
    got = client_.Get(path_);  // created by someone else in between: merge into theirs
  }
  for (int attempt = 0;; ++attempt) {
    if (!got.ok()) return got.error();
    json node = std::move(*got);
    if (MergeLabels(facts_, node)) {
      auto put = client_.Replace(path_, node);
      if (!put.ok()) {
        if (put.error().code != ErrorCode::kConflict || attempt >= kConflictRetries) {
          return put.error();
        }
        got = client_.Get(path_);
        continue;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.registrations;
    return OkStatus();
  }
}

Result<std::chrono::system_clock::time_point> NodeAgent::Heartbeat() {
  for (int attempt = 0;; ++attempt) {
    auto got = client_.Get(path_);
    if (!got.ok()) return got.error();
    json node = std::move(*got);
    auto now = options_.now ? options_.now() : std::chrono::system_clock::now();
    ApplyStatus(facts_, Rfc3339(now), node);
    auto put = client_.Replace(path_ + "/status", node);
    if (put.ok()) return now;
    if (put.error().code != ErrorCode::kConflict || attempt >= kConflictRetries) {
      return put.error();
    }
  }
}

}  // namespace waygate::nodeagent
