#include "proxy/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "proxy/session.h"

namespace waygate::proxy {

namespace {
constexpr size_t kResponseBufferSize = 16 * 1024;
}

class Worker::Listener : public net::IoHandler {
 public:
  Listener(Worker* w, ListenerSpec spec) : w_(w), spec_(std::move(spec)) {}
  ~Listener() override { ::close(spec_.fd); }
  const ListenerSpec& spec() const { return spec_; }

  void OnIo(uint32_t) override {
    // Level-triggered: accept a bounded batch, the loop calls again if more are pending.
    for (int i = 0; i < 64; ++i) {
      net::Address peer;
      peer.len = sizeof peer.storage;
      int fd = ::accept4(spec_.fd, reinterpret_cast<sockaddr*>(&peer.storage), &peer.len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
          log::Warn("accept: out of file descriptors");
        }
        return;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto* s = new Session(w_, fd, peer, &spec_);
      if (!w_->loop_->Add(fd, s).ok()) {
        delete s;  // closes fd
        continue;
      }
      ++w_->counters_.downstream_connections_accepted;
      s->list_index_ = w_->sessions_.size();
      w_->sessions_.push_back(s);
      s->Start();
    }
  }

 private:
  Worker* w_;
  ListenerSpec spec_;
};

Result<std::unique_ptr<Worker>> Worker::Create(int index, const WorkerShared& shared,
                                               std::vector<ListenerSpec> listeners) {
  auto loop = net::EventLoop::Create();
  if (!loop.ok()) return loop.error();
  std::unique_ptr<Worker> w(new Worker(index, shared, std::move(*loop)));
  for (auto& spec : listeners) {
    auto l = std::make_unique<Listener>(w.get(), std::move(spec));
    Status s = w->loop_->AddReadOnly(l->spec().fd, l.get());
    if (!s.ok()) return s.error();
    w->listeners_.push_back(std::move(l));
  }
  return w;
}

Worker::Worker(int index, const WorkerShared& shared, std::unique_ptr<net::EventLoop> loop)
    : index_(index),
      shared_(shared),
      loop_(std::move(loop)),
      balancer_(0),
      pool_(loop_.get()),
      requests_(shared.registry),
      access_log_(shared.access_log) {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = static_cast<uint64_t>(time(nullptr));
  rng_ = seed | 1;
  balancer_ = upstream::Balancer(seed ^ 0x9e3779b97f4a7c15ull);
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
        // After each batch: free what was closed during it.
        for (Session* s : graveyard_) delete s;
        graveyard_.clear();
        pool_.CollectGarbage();
      },
      [this] {
        // Before each batch: notice a new snapshot once per wake-up (one atomic load) rather
        // than per request, and before the requests that woke us are routed.
        if (shared_.routes->generation() != table_generation_) RefreshSnapshot();
      });
  FlushMetrics();
  access_log_.Flush();
}

void Worker::Stop() { loop_->Stop(); }

void Worker::RefreshSnapshot() {
  uint64_t gen = shared_.routes->generation();
  auto table = shared_.routes->Load();
  table_generation_ = gen;
  if (!table) return;
  // The balancer compares the new backends with the old ones (to keep round-robin positions),
  // so the old table must outlive Rebuild().
  std::shared_ptr<const route::RouteTable> previous = std::move(table_);
  table_ = std::move(table);
  balancer_.Rebuild(*table_, gen, endpoints_);
  ++balancer_epoch_;
  const auto& gs = table_->gateway_settings();
  upstream::PoolLimits limits;
  limits.max_idle_per_endpoint = gs.upstream_keepalive_connections;
  limits.idle_timeout_ms = gs.upstream_keepalive_timeout_ms;
  limits.max_requests = gs.upstream_keepalive_requests;
  pool_.set_limits(limits);
  endpoints_.Collect(gen, [this](upstream::Connection* c) { pool_.Close(c); });
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
