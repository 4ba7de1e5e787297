#include "data_plane.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "flags.h"

namespace waygate::cmd {
namespace {

// The inodes of the listening TCP sockets whose address overlaps `addr` (same port; same IP, or
// either side the unspecified address), from /proc/net/tcp or tcp6; nullopt when /proc cannot be
// read. The kernel prints each 32-bit word of the address as the %08X of its in-memory value,
// so parsing the hex back gives the bytes as sockaddr holds them, on any endianness.
std::optional<std::vector<unsigned long>> ListenersOn(const net::Address& addr) {
  std::ifstream table(addr.is_v6() ? "/proc/net/tcp6" : "/proc/net/tcp");
  if (!table) return std::nullopt;
  const size_t words = addr.is_v6() ? 4 : 1;
  uint32_t want[4] = {};
  if (addr.is_v6()) {
    std::memcpy(want, &reinterpret_cast<const sockaddr_in6*>(addr.sa())->sin6_addr, 16);
  } else {
    std::memcpy(want, &reinterpret_cast<const sockaddr_in*>(addr.sa())->sin_addr, 4);
  }
  auto unspecified = [words](const uint32_t* a) {
    for (size_t i = 0; i < words; ++i) {
      if (a[i] != 0) return false;
    }
    return true;
  };
  std::vector<unsigned long> inodes;
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    std::istringstream in(line);
    std::string sl, local, remote, state, queues, timer, retransmits, uid, timeout;
    unsigned long inode = 0;
    if (!(in >> sl >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode)) {
      continue;
    }
    const size_t colon = local.find(':');
    if (state != "0A" || colon != words * 8) continue;  // 0A: TCP_LISTEN
    if (std::strtoul(local.c_str() + colon + 1, nullptr, 16) != addr.port()) continue;
    uint32_t have[4] = {};
    for (size_t i = 0; i < words; ++i) {
      have[i] = static_cast<uint32_t>(std::strtoul(local.substr(i * 8, 8).c_str(), nullptr, 16));
    }
    if (std::memcmp(have, want, words * 4) == 0 || unspecified(have) || unspecified(want)) {
      inodes.push_back(inode);
    }
  }
  return inodes;
}

// The inodes of every socket this process holds ("socket:[N]" links in /proc/self/fd).
std::set<unsigned long> OwnSocketInodes() {
  std::set<unsigned long> inodes;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return inodes;
  while (const dirent* entry = ::readdir(dir)) {
    char target[64];
    std::string path = std::string("/proc/self/fd/") + entry->d_name;
    ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    unsigned long inode = 0;
    if (std::sscanf(target, "socket:[%lu]", &inode) == 1) inodes.insert(inode);
  }
  ::closedir(dir);
  return inodes;
}

// SO_REUSEPORT lets any process of the same user join a port, and the kernel then spreads new
// connections over every socket in the group: a second gateway process on the same node port
// (another `waygate serve` on this host, a stale one) would silently answer a share of them
// from its own tables. Refuse instead, as a plain bind would. Checked after binding, so of two
// processes racing for a port at least the later one sees the other.
Status RefuseSharedPort(const net::Address& addr, const std::vector<int>& fds) {
  auto listeners = ListenersOn(addr);
  if (!listeners.has_value()) return OkStatus();  // no /proc: cannot tell
  std::set<unsigned long> ours;
  for (int fd : fds) {
    struct stat st {};
    if (::fstat(fd, &st) == 0) ours.insert(st.st_ino);
  }
  bool only_ours = true;
  for (unsigned long inode : *listeners) only_ours = only_ours && ours.count(inode) != 0;
  if (only_ours) return OkStatus();
  // This process may hold the address already (a gateway's listener being replaced).
  std::set<unsigned long> own = OwnSocketInodes();
  for (unsigned long inode : *listeners) {
    if (own.count(inode) == 0) {
      return MakeError(ErrorCode::kConflict,
                       "bind " + addr.ToString() +
                           ": address already in use by another process (sharing it would "
                           "split the connections between the two)");
    }
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<int>> BindReusePort(net::Address addr, int count) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    auto fd = net::ListenTcp(addr, /*reuse_port=*/true);
    if (!fd.ok()) {
      for (int f : fds) ::close(f);
      return fd.error();
    }
    fds.push_back(*fd);
    if (i == 0) {
      auto bound = net::LocalAddress(*fd);
      if (!bound.ok()) {
        ::close(*fd);
        return bound.error();
      }
      addr = *bound;
      if (Status shared = RefuseSharedPort(addr, fds); !shared.ok()) {
        ::close(*fd);
        return shared.error();
      }
    }
  }
  return fds;
}

Result<std::unique_ptr<DataPlane>> DataPlane::Start(const DataPlaneOptions& options,
                                                    const SnapshotCell<route::RouteTable>* routes) {
  std::unique_ptr<DataPlane> plane(new DataPlane());
  proxy::WorkerShared shared;
  shared.routes = routes;
  shared.gateways = options.gateways;
  shared.registry = &plane->registry_;
  shared.access_log = options.access_log;
  shared.main_tls = options.main_tls;
  if (!options.main_gateway.empty()) shared.main_gateway = options.main_gateway;

  int count = options.workers > 0 ? options.workers : 1;
  auto fds = BindReusePort(options.http, count);
  if (!fds.ok()) return fds.error();
  auto bound = net::LocalAddress((*fds)[0]);
  if (!bound.ok()) return bound.error();
  plane->http_address_ = *bound;
  std::vector<int> tls_fds;
  if (options.https) {
    if (options.main_tls == nullptr) {
      for (int fd : *fds) ::close(fd);
      return MakeError(ErrorCode::kInvalid, "an https listener needs a TLS snapshot");
    }
    auto bound_tls = BindReusePort(*options.https, count);
    if (!bound_tls.ok()) {
      for (int fd : *fds) ::close(fd);
      return bound_tls.error();
    }
    tls_fds = std::move(*bound_tls);
    auto address = net::LocalAddress(tls_fds[0]);
    if (!address.ok()) return address.error();
    plane->https_address_ = *address;
  }

  for (int i = 0; i < count; ++i) {
    std::vector<proxy::ListenerSpec> specs;
    proxy::ListenerSpec spec;
    spec.fd = (*fds)[i];
    spec.name = "http";
    spec.port = bound->port();
    if (plane->https_address_) spec.https_port = plane->https_address_->port();
    specs.push_back(spec);
    if (plane->https_address_) {
      proxy::ListenerSpec tls;
      tls.fd = tls_fds[static_cast<size_t>(i)];
      tls.name = "https";
      tls.port = plane->https_address_->port();
      specs.push_back(tls);
    }
    auto w = proxy::Worker::Create(i, shared, std::move(specs));
    if (!w.ok()) return w.error();
    plane->workers_.push_back(std::move(*w));
  }
  for (auto& w : plane->workers_) plane->threads_.emplace_back([p = w.get()] { p->Run(); });

  admin::Handlers handlers;
  handlers.ready = options.ready;
  proxy::Registry* registry = &plane->registry_;
  auto add_metrics = options.add_metrics;
  handlers.metrics = [registry, add_metrics] {
    if (add_metrics) add_metrics(*registry);
    return registry->Render();
  };
  auto admin_server = admin::Server::Start(options.admin, handlers);
  if (!admin_server.ok()) return admin_server.error();  // the destructor stops the workers
  plane->admin_ = std::move(*admin_server);
  return plane;
}

void DataPlane::WakeWorkers() {
  for (auto& w : workers_) w->Wake();
}

DataPlane::~DataPlane() {
  admin_.reset();
  for (auto& w : workers_) w->Stop();
  for (auto& t : threads_) t.join();
  workers_.clear();
}

Result<std::unique_ptr<proxy::AccessLogSink>> OpenAccessLog(const Flags& f) {
  if (!f.Has("access-log")) return std::unique_ptr<proxy::AccessLogSink>();
  std::string fmt = f.Get("access-log-format", "combined");
  proxy::AccessLogFormat format;
  if (fmt == "combined") {
    format = proxy::AccessLogFormat::kCombined;
  } else if (fmt == "json") {
    format = proxy::AccessLogFormat::kJson;
  } else {
    return MakeError(ErrorCode::kInvalid, "--access-log-format must be combined or json");
  }
  return proxy::AccessLogSink::Open(f.Get("access-log"), format);
}

}  // namespace waygate::cmd
