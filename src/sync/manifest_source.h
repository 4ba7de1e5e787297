// ManifestSource: the configuration source of `waygate gateway --manifests DIR`. Watches DIR
// with inotify, re-reads only the files that changed, feeds their objects to a RouteCompiler
// (which rebuilds only the hosts they touch) and publishes the new RouteTable. Problems are logged with file, object and field path; the previous
// good objects of other files keep serving.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/snapshot.h"
#include "model/decode.h"
#include "route/compiler.h"
#include "route/route_table.h"
#include "sync/manifest_objects.h"
#include "sync/tls_snapshots.h"

namespace waygate::sync {

struct ManifestSourceOptions {
  std::string dir;
  route::CompileOptions compile;
  // Quiet period after a change before recompiling, so an editor's burst of events or a `cp`
  // of many files becomes one snapshot.
  int debounce_ms = 5;
  // The main table's TLS state (the --https-listen listeners), on the sync thread.
  std::function<void(std::shared_ptr<const TlsOutput>)> on_main_tls;
  std::optional<std::pair<std::string, std::string>> default_ssl_certificate;  // NS/NAME
};

struct SyncStats {
  uint64_t reloads = 0;      // snapshots published
  uint64_t diagnostics = 0;  // problems found in the last load
  double last_compile_ms = 0;
};

class ManifestSource {
 public:
  static Result<std::unique_ptr<ManifestSource>> Start(const ManifestSourceOptions& options,
                                                       SnapshotCell<route::RouteTable>* out);
  ~ManifestSource();

  bool ready() const { return ready_.load(std::memory_order_acquire); }
  SyncStats stats() const;

 private:
  ManifestSource(ManifestSourceOptions options, SnapshotCell<route::RouteTable>* out,
                 int inotify_fd, int stop_fd);
  void Loop();
  void Reload(bool full);
  void UpdateTls();

  struct FileStamp {
    uint64_t inode = 0;
    int64_t size = -1;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  struct FileEntry {
    FileStamp stamp;
    std::string content;  // compared on a rescan unless the stamp proves it unchanged
    std::shared_ptr<const model::ClusterState> objects;
    std::vector<model::Diagnostic> diagnostics;
  };

  ManifestSourceOptions options_;
  SnapshotCell<route::RouteTable>* out_;
  int inotify_fd_;
  int stop_fd_;
  std::map<std::string, FileEntry> files_;  // by file name, sorted
  route::RouteCompiler compiler_;
  std::unique_ptr<TlsSnapshots> tls_;
  ManifestObjects objects_{&compiler_};
  uint64_t duplicate_diagnostics_ = 0;
  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> reloads_{0};
  std::atomic<uint64_t> diagnostics_{0};
  std::atomic<double> last_compile_ms_{0};
  // Snapshots replaced by newer ones, kept until no worker holds them so that their (large)
  // destruction runs here and never on a worker's request path.
  std::vector<std::shared_ptr<const route::RouteTable>> retired_;
  void SweepRetired();
  std::thread thread_;
};

}  // namespace waygate::sync
