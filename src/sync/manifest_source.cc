#include "sync/manifest_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/log.h"

namespace waygate::sync {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Same rule as model::LoadManifestDir: manifests by extension; hidden and editor files skipped.
bool IsManifestFile(std::string_view name) {
  if (name.empty() || name[0] == '.') return false;
  return EndsWith(name, ".yaml") || EndsWith(name, ".yml") || EndsWith(name, ".json");
}

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError(ErrorCode::kIo, path + ": " + strerror(errno));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return MakeError(ErrorCode::kIo, path + ": " + strerror(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

Result<std::unique_ptr<ManifestSource>> ManifestSource::Start(
    const ManifestSourceOptions& options, SnapshotCell<route::RouteTable>* out) {
  struct stat st;
  if (::stat(options.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kNotFound, "--manifests " + options.dir + ": not a directory");
  }
  int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (ifd < 0) return MakeError(ErrorCode::kIo, std::string("inotify_init1: ") + strerror(errno));
  // Directory-level events cover editors (write in place), atomic renames (kubectl cp, GitOps
  // tools) and symlink swaps (ConfigMap volumes); a rescan compares contents anyway.
  uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_MODIFY |
                  IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
  if (inotify_add_watch(ifd, options.dir.c_str(), mask) < 0) {
    int err = errno;
    ::close(ifd);
    return MakeError(ErrorCode::kIo, "inotify_add_watch " + options.dir + ": " + strerror(err));
  }
  int sfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  auto tls = TlsSnapshots::Create(options.default_ssl_certificate);
  if (!tls.ok()) {
    ::close(ifd);
    ::close(sfd);
    return tls.error();
  }
  std::unique_ptr<ManifestSource> src(new ManifestSource(options, out, ifd, sfd));
  src->tls_ = std::move(*tls);
  src->Reload(true);
  src->thread_ = std::thread([s = src.get()] { s->Loop(); });
  return src;
}

ManifestSource::ManifestSource(ManifestSourceOptions options, SnapshotCell<route::RouteTable>* out,
                               int inotify_fd, int stop_fd)
    : options_(std::move(options)),
      out_(out),
      inotify_fd_(inotify_fd),
      stop_fd_(stop_fd),
      compiler_(options_.compile) {}

ManifestSource::~ManifestSource() {
  uint64_t one = 1;
  ssize_t ignored = ::write(stop_fd_, &one, sizeof one);
  (void)ignored;
  if (thread_.joinable()) thread_.join();
  ::close(inotify_fd_);
  ::close(stop_fd_);
}

SyncStats ManifestSource::stats() const {
  SyncStats s;
  s.reloads = reloads_.load();
  s.diagnostics = diagnostics_.load();
  s.last_compile_ms = last_compile_ms_.load();
  return s;
}

void ManifestSource::Loop() {
  char buf[64 * 1024];
  pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  for (;;) {
    // Idle: retired tables to free every second; certificate validity windows and ticket key
    // rotation every 30 s.
    int timeout_ms = retired_.empty() ? 30000 : 1000;
    int ready = ::poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) return;
    SweepRetired();
    if (ready <= 0) {
      tls_->MaybeRotate(std::chrono::steady_clock::now());
      UpdateTls();
      continue;
    }
    if (fds[1].revents) return;
    bool changed = false;
    // Drain, then keep draining while events keep coming within the debounce window.
    for (;;) {
      while (::read(inotify_fd_, buf, sizeof buf) > 0) changed = true;
      pollfd quiet[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      int n = ::poll(quiet, 2, options_.debounce_ms);
      if (n > 0 && quiet[1].revents) return;
      if (n <= 0) break;
    }
    if (changed) Reload(false);
  }
}

void ManifestSource::UpdateTls() {
  if (!options_.on_main_tls) return;
  auto table = out_->Load();
  if (table == nullptr) return;
  if (auto output = tls_->Update("", *table, std::chrono::system_clock::now())) {
    options_.on_main_tls(std::move(output));
  }
}

void ManifestSource::SweepRetired() {
  // use_count() == 1: the cell and every worker have moved on; only this list holds it, and
  // nobody can take a new reference to it any more.
  std::erase_if(retired_, [](const auto& t) { return t.use_count() == 1; });
}

void ManifestSource::Reload(bool full) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> names;
  if (DIR* d = ::opendir(options_.dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (IsManifestFile(e->d_name)) names.emplace_back(e->d_name);
    }
    ::closedir(d);
  } else {
    log::Error("manifests: cannot read " + options_.dir + ": " + strerror(errno) +
               " (keeping the last configuration)");
    return;
  }

  std::map<std::string, FileEntry> next;
  std::vector<std::string> changed;  // files read and decoded anew
  size_t changed_files = 0;
  timespec now_ts;
  clock_gettime(CLOCK_REALTIME, &now_ts);
  const int64_t now_ns = int64_t{now_ts.tv_sec} * 1'000'000'000 + now_ts.tv_nsec;
  for (const auto& name : names) {
    std::string path = options_.dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    FileStamp stamp{st.st_ino, st.st_size,
                    int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
                    int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec};
    auto old = files_.find(name);
    // Unchanged stat and last changed over a second ago: the content cannot have changed
    // without the stamp moving (file timestamps are coarse, hence the second of margin), so
    // a big unchanged file is not even read again.
    if (!full && old != files_.end() && old->second.stamp == stamp &&
        now_ns - stamp.ctime_ns > 1'000'000'000) {
      next[name] = std::move(old->second);
      continue;
    }
    auto content = ReadFile(path);
    if (!content.ok()) {
      log::Warn("manifests: " + content.error().message);
      continue;
    }
    if (!full && old != files_.end() && old->second.content == *content) {
      old->second.stamp = stamp;
      next[name] = std::move(old->second);
      continue;
    }
    ++changed_files;
    changed.push_back(name);
    FileEntry entry;
    entry.stamp = stamp;
    entry.content = std::move(*content);
    auto objects = std::make_shared<model::ClusterState>();
    model::DecodeManifest(entry.content, path, *objects, entry.diagnostics);
    entry.objects = std::move(objects);
    for (const auto& diag : entry.diagnostics) log::Warn("manifests: " + diag.ToString());
    next[name] = std::move(entry);
  }
  size_t removed = 0;
  std::vector<model::Diagnostic> diagnostics;
  for (const auto& [name, _] : files_) {
    if (!next.count(name)) {
      ++removed;
      objects_.SetFile(name, nullptr, diagnostics);
    }
  }
  if (!full && changed_files == 0 && removed == 0) return;
  for (const std::string& name : changed) objects_.SetFile(name, next[name].objects, diagnostics);
  files_ = std::move(next);
  {
    // The certificate store follows Secrets too (the route compiler gets them through
    // objects_, for auth-secrets). A duplicate (namespace, name) keeps the first file's, in
    // file-name order, in both.
    std::vector<const model::Secret*> secrets;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& [_, f] : files_) {
      if (f.objects == nullptr) continue;
      for (const model::Secret& secret : f.objects->secrets) {
        if (seen.emplace(secret.meta.namespace_, secret.meta.name).second) {
          secrets.push_back(&secret);
        }
      }
    }
    tls_->ReplaceSecrets(secrets);
  }

  auto t_read = std::chrono::steady_clock::now();
  uint64_t diag_count = 0;
  for (const auto& [_, f] : files_) diag_count += f.diagnostics.size();
  auto t_merge = std::chrono::steady_clock::now();
  auto table = compiler_.Compile(diagnostics);
  auto t_compile = std::chrono::steady_clock::now();
  auto ms_between = [](auto a, auto b) {
    return std::to_string(std::chrono::duration<double, std::milli>(b - a).count());
  };
  log::Debug("reload phases: read+decode " + ms_between(t0, t_read) + " ms, merge " +
             ms_between(t_read, t_merge) + " ms, compile " + ms_between(t_merge, t_compile) +
             " ms");
  for (const auto& diag : diagnostics) log::Warn("routes: " + diag.ToString());
  diag_count += compiler_.diagnostic_count();
  diagnostics_.store(diag_count);
  if (table == nullptr) {  // nothing served changed (a Service no Ingress names, say)
    UpdateTls();           // but a Secret may have
    return;
  }
  if (auto previous = out_->Load()) retired_.push_back(std::move(previous));
  out_->Publish(std::move(table));
  SweepRetired();
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  reloads_.fetch_add(1);
  last_compile_ms_.store(ms);
  ready_.store(true, std::memory_order_release);
  UpdateTls();
  auto published = out_->Load();
  log::Info("config applied: " + std::to_string(compiler_.ingress_count()) + " ingresses, " +
            std::to_string(published->route_count()) + " routes, " +
            std::to_string(published->backend_count()) + " backends, " +
            std::to_string(diag_count) + " problems, " + std::to_string(changed_files) +
            " files changed, " + std::to_string(removed) + " removed, in " +
            std::to_string(static_cast<int>(ms)) + " ms");
}

}  // namespace waygate::sync
