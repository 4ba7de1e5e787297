#include "proxy/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <functional>

#include "base/log.h"
#include "proxy/session.h"

namespace waygate::proxy {

namespace {
constexpr size_t kResponseBufferSize = 16 * 1024;
}

class Worker::Listener : public net::IoHandler {
 public:
  // A main listener: owns its descriptor.
  Listener(Worker* w, ListenerSpec spec, std::shared_ptr<Serving> serving)
      : w_(w),
        fd_(spec.fd),
        info_{spec.port, spec.https_port, spec.name == "https"},
        serving_(std::move(serving)) {}
  // A gateway's listener: the BoundListener owns the descriptor.
  Listener(Worker* w, std::shared_ptr<const BoundListener> bound, std::shared_ptr<Serving> serving)
      : w_(w),
        fd_(bound->fd(static_cast<size_t>(w->index_))),
        info_{bound->address().port(), bound->https_port(), bound->tls()},
        serving_(std::move(serving)),
        bound_(std::move(bound)) {}
  ~Listener() override {
    if (bound_ == nullptr) ::close(fd_);
  }
  int fd() const { return fd_; }
  // Out of the event loop; an event fetched before that is ignored.
  void Retire() {
    w_->loop_->Remove(fd_);
    retired_ = true;
  }

  void OnIo(uint32_t) override {
    if (retired_) return;
    // Level-triggered: accept a bounded batch, the loop calls again if more are pending.
    for (int i = 0; i < 64; ++i) {
      net::Address peer;
      peer.len = sizeof peer.storage;
      int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer.storage), &peer.len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
          log::Warn("accept: out of file descriptors");
        }
        return;
      }
      std::shared_ptr<const TlsSnapshot> tls;
      if (info_.tls) {
        tls = serving_->tls;
        if (tls == nullptr || tls->front == nullptr || tls->sni == nullptr) {
          // No certificate state (yet): refuse rather than speak plain HTTP on an https port.
          ::close(fd);
          ++w_->counters_.tls_handshake_failures;
          continue;
        }
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto* s = new Session(w_, fd, peer, serving_, info_, std::move(tls));
      if (!w_->loop_->Add(fd, s).ok()) {
        delete s;  // closes fd
        continue;
      }
      ++w_->counters_.downstream_connections_accepted;
      w_->requests_.ConnectionOpened(serving_->gateway_id);
      s->list_index_ = w_->sessions_.size();
      w_->sessions_.push_back(s);
      s->Start();
    }
  }

 private:
  Worker* w_;
  int fd_;
  ListenerInfo info_;
  std::shared_ptr<Serving> serving_;
  std::shared_ptr<const BoundListener> bound_;
  bool retired_ = false;
};

Result<std::unique_ptr<Worker>> Worker::Create(int index, const WorkerShared& shared,
                                               std::vector<ListenerSpec> listeners) {
  auto loop = net::EventLoop::Create();
  if (!loop.ok()) return loop.error();
  std::unique_ptr<Worker> w(new Worker(index, shared, std::move(*loop)));
  for (auto& spec : listeners) {
    auto l = std::make_unique<Listener>(w.get(), std::move(spec), w->main_);
    Status s = w->loop_->AddReadOnly(l->fd(), l.get());
    if (!s.ok()) return s.error();
    w->listeners_.push_back(std::move(l));
  }
  return w;
}

Worker::Worker(int index, const WorkerShared& shared, std::unique_ptr<net::EventLoop> loop)
    : index_(index),
      shared_(shared),
      loop_(std::move(loop)),
      pool_(loop_.get()),
      requests_(shared.registry),
      access_log_(shared.access_log) {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = static_cast<uint64_t>(time(nullptr));
  rng_ = seed | 1;
  balancer_seed_ = seed ^ 0x9e3779b97f4a7c15ull;
  main_ = std::make_shared<Serving>(balancer_seed_);
  main_->gateway_id = requests_.Intern(shared.main_gateway);
  UpdateDate();
}

Worker::~Worker() {
  for (Session* s : sessions_) delete s;
  sessions_.clear();
  for (Session* s : graveyard_) delete s;
  graveyard_.clear();
}

void Worker::Run() {
  RefreshSnapshot();
  loop_->Run(
      100, [this](int64_t now) { Tick(now); },
      [this] {
        // After each batch: HTTP/2 connections write what their streams produced during it,
        // one TLS write for all of them (a closed one is still in the graveyard here).
        FlushH2Connections();
        // Then free what was closed during the batch.
        for (Session* s : graveyard_) delete s;
        graveyard_.clear();
        retired_listeners_.clear();
        pool_.CollectGarbage();
      },
      [this] {
        // Before each batch: notice a new snapshot once per wake-up (one atomic load) rather
        // than per request, and before the requests that woke us are routed.
        if (shared_.routes->generation() != table_generation_ ||
            (shared_.gateways != nullptr &&
             shared_.gateways->generation() != gateways_generation_) ||
            (shared_.main_tls != nullptr && shared_.main_tls->generation() != tls_generation_)) {
          RefreshSnapshot();
        }
      });
  FlushMetrics();
  access_log_.Flush();
}

void Worker::Stop() { loop_->Stop(); }

void Worker::Wake() {
  loop_->Post([] {});
}

void Worker::RefreshSnapshot() {
  table_generation_ = shared_.routes->generation();
  auto table = shared_.routes->Load();
  if (shared_.main_tls != nullptr) {
    tls_generation_ = shared_.main_tls->generation();
    main_->tls = shared_.main_tls->Load();
  }
  std::shared_ptr<const GatewaySet> set;
  if (shared_.gateways != nullptr) {
    gateways_generation_ = shared_.gateways->generation();
    set = shared_.gateways->Load();
  }
  // Every current table is rebuilt under one mark, so the endpoint states no table references
  // any more (and only those) are collected below. A balancer compares the new backends with the
  // old ones (to keep round-robin positions), so the old tables must outlive Rebuild().
  const uint64_t refresh = ++refreshes_;
  std::vector<std::shared_ptr<const route::RouteTable>> keep_alive;
  if (table) {
    keep_alive.push_back(std::move(main_->table));
    main_->table = std::move(table);
  }
  if (main_->table) main_->balancer.Rebuild(*main_->table, refresh, endpoints_);
  AdoptGatewaySet(set.get(), refresh, keep_alive);
  ++balancer_epoch_;
  if (main_->table) {
    // Upstream pools are per worker, so the main table's gateway-wide settings size them.
    const auto& gs = main_->table->gateway_settings();
    upstream::PoolLimits limits;
    limits.max_idle_per_endpoint = gs.upstream_keepalive_connections;
    limits.idle_timeout_ms = gs.upstream_keepalive_timeout_ms;
    limits.max_requests = gs.upstream_keepalive_requests;
    pool_.set_limits(limits);
  }
  endpoints_.Collect(refresh, [this](upstream::Connection* c) { pool_.Close(c); });
  AdoptListeners(set.get());
}

void Worker::AdoptGatewaySet(const GatewaySet* set, uint64_t refresh,
                             std::vector<std::shared_ptr<const route::RouteTable>>& keep_alive) {
  std::vector<std::pair<std::string, std::shared_ptr<Serving>>> next;
  if (set != nullptr) {
    next.reserve(set->gateways.size());
    auto old = servings_.begin();
    for (const GatewayTable& g : set->gateways) {
      while (old != servings_.end() && old->first < g.gateway) ++old;
      std::shared_ptr<Serving> serving;
      if (old != servings_.end() && old->first == g.gateway) {
        serving = std::move(old->second);
        ++old;
      } else {
        serving = std::make_shared<Serving>(balancer_seed_ ^ std::hash<std::string>{}(g.gateway));
        serving->gateway_id = requests_.Intern(g.gateway);
      }
      keep_alive.push_back(std::move(serving->table));
      serving->table = g.table;
      serving->tls = g.tls;
      if (serving->table) serving->balancer.Rebuild(*serving->table, refresh, endpoints_);
      next.emplace_back(g.gateway, std::move(serving));
    }
  }
  // A gateway that went away: its connections still hold its Serving; with no table they get
  // 503 and no balancer state that could point at collected endpoints.
  for (auto& [_, serving] : servings_) {
    if (serving == nullptr) continue;
    serving->table.reset();
    serving->tls.reset();
    serving->balancer = upstream::Balancer(balancer_seed_);
  }
  servings_ = std::move(next);
}

void Worker::AdoptListeners(const GatewaySet* set) {
  std::vector<std::pair<const BoundListener*, std::unique_ptr<Listener>>> next;
  if (set != nullptr) {
    for (const auto& bound : set->listeners) {
      auto it = std::find_if(gateway_listeners_.begin(), gateway_listeners_.end(),
                             [&](const auto& l) { return l.first == bound.get(); });
      if (it != gateway_listeners_.end()) {
        next.push_back(std::move(*it));
        gateway_listeners_.erase(it);
        continue;
      }
      if (bound->fd(static_cast<size_t>(index_)) < 0) continue;
      auto serving = std::find_if(servings_.begin(), servings_.end(),
                                  [&](const auto& s) { return s.first == bound->gateway(); });
      if (serving == servings_.end()) {
        log::Warn("worker: listener " + bound->address().ToString() + " names gateway " +
                  bound->gateway() + " that has no table; not accepting on it");
        continue;
      }
      auto l = std::make_unique<Listener>(this, bound, serving->second);
      if (Status st = loop_->AddReadOnly(l->fd(), l.get()); !st.ok()) {
        log::Warn("worker: listener " + bound->address().ToString() + ": " + st.error().message);
        continue;
      }
      next.emplace_back(bound.get(), std::move(l));
    }
  }
  // What is left was dropped from the set: stop accepting there; connections it accepted live on.
  for (auto& [_, l] : gateway_listeners_) {
    l->Retire();
    retired_listeners_.push_back(std::move(l));
  }
  gateway_listeners_ = std::move(next);
}

void Worker::UpdateDate() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  unix_now_s_ = ts.tv_sec;
  if (ts.tv_sec == date_second_ && date_header_len_) return;
  date_second_ = ts.tv_sec;
  tm t;
  gmtime_r(&ts.tv_sec, &t);
  date_header_len_ =
      strftime(date_header_, sizeof date_header_, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &t);
}

void Worker::Tick(int64_t now_ms) {
  UpdateDate();
  // Timeouts: a linear walk every tick is cheaper than keeping a timer structure up to date on
  // every request, and bounded by the number of connections.
  for (size_t i = 0; i < sessions_.size(); ++i) {
    Session* s = sessions_[i];
    if (!s->closed()) s->OnTick(now_ms);
  }
  pool_.ExpireIdle(now_ms);
  if (now_ms - last_flush_ms_ >= 1000) {
    last_flush_ms_ = now_ms;
    FlushMetrics();
    access_log_.Flush();
  }
}

void Worker::FlushMetrics() {
  requests_.Flush();
  recent_log_.Flush(requests_.gateway_names(), &shared_.registry->recent_log());
  shared_.registry->AddWorkerCounters(counters_);
  counters_ = WorkerCounters{};
}

std::unique_ptr<net::Buffer> Worker::TakeBuffer() {
  if (free_buffers_.empty()) return std::make_unique<net::Buffer>(kResponseBufferSize);
  auto b = std::move(free_buffers_.back());
  free_buffers_.pop_back();
  return b;
}

void Worker::ReturnBuffer(std::unique_ptr<net::Buffer> buffer) {
  // Grown buffers (huge response heads) are dropped; the pool keeps a bounded number.
  if (buffer->capacity() == kResponseBufferSize && free_buffers_.size() < 1024) {
    free_buffers_.push_back(std::move(buffer));
  }
}

void Worker::QueueH2Flush(Session* connection) { h2_flush_.push_back(connection); }

void Worker::FlushH2Connections() {
  // A flush can queue more (a stream closed by it finishes its exchange): loop until quiet.
  while (!h2_flush_.empty()) {
    std::vector<Session*> batch;
    batch.swap(h2_flush_);
    for (Session* s : batch) s->FlushH2IfQueued();
  }
}

void Worker::RemoveSession(Session* s) {
  size_t i = s->list_index_;
  if (i < sessions_.size() && sessions_[i] == s) {
    sessions_[i] = sessions_.back();
    sessions_[i]->list_index_ = i;
    sessions_.pop_back();
  }
  graveyard_.push_back(s);
}

}  // namespace waygate::proxy
