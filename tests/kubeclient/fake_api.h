// FakeApi: a scripted stand-in for kube-apiserver's list and watch, on FakeHttpServer, for the
// reflector and ApiSource tests (until the real server of `waygate serve` exists; the lead's
// end-to-end tests then run the same client against it). It keeps objects per collection path
// with one global resourceVersion counter (as etcd's revision), serves paged lists (items
// without apiVersion/kind, like kube-apiserver) and watches that replay the event log after the
// requested resourceVersion, then stream new events. Tests steer it: drop every watch, end
// every watch with an ERROR 410 event, compact (a watch from before it gets 410), send
// bookmarks, answer 404 or 500 for a collection, expire continue tokens.
#pragma once

#include <condition_variable>
#include <csignal>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "kubeclient/fake_http_server.h"

namespace waygate::kubeclient::testing {

inline const bool kIgnoreSigpipe = (std::signal(SIGPIPE, SIG_IGN), true);

class FakeApi {
 public:
  using Json = nlohmann::json;

  FakeApi() : server_([this](const FakeRequest& r, FakeConn& c) { Handle(r, c); }) {}
  ~FakeApi() { Stop(); }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    server_.Stop();
  }

  std::string url() const { return server_.url(); }
  FakeHttpServer& server() { return server_; }

  // Creates or replaces an object (ADDED or MODIFIED event); returns its resourceVersion.
  std::string Put(const std::string& collection, Json object) {
    std::lock_guard lock(mu_);
    std::string key = Key(object);
    auto& objects = collections_[collection];
    bool existed = objects.count(key) != 0;
    object["metadata"]["resourceVersion"] = std::to_string(++rv_);
    objects[key] = object;
    log_.push_back(Entry{rv_, collection, existed ? "MODIFIED" : "ADDED", object});
    cv_.notify_all();
    return std::to_string(rv_);
  }

  // Changes an object without telling watchers (as if the watch missed it); a relist sees it.
  void PutSilently(const std::string& collection, Json object) {
    std::lock_guard lock(mu_);
    object["metadata"]["resourceVersion"] = std::to_string(++rv_);
    collections_[collection][Key(object)] = object;
  }
  void DeleteSilently(const std::string& collection, const std::string& key) {
    std::lock_guard lock(mu_);
    collections_[collection].erase(key);
    ++rv_;
  }

  void Delete(const std::string& collection, const std::string& key) {
    std::lock_guard lock(mu_);
    auto& objects = collections_[collection];
    auto it = objects.find(key);
    if (it == objects.end()) return;
    Json object = it->second;
    objects.erase(it);
    object["metadata"]["resourceVersion"] = std::to_string(++rv_);
    log_.push_back(Entry{rv_, collection, "DELETED", object});
    cv_.notify_all();
  }

  // Every open watch ends abruptly (connection closed mid-stream, no last chunk).
  void DropWatches() { Bump(drop_gen_); }
  // Every open watch gets an ERROR event with a 410 Status, then a clean end.
  void ExpireWatches() { Bump(expire_gen_); }
  // Every open watch of `collection` gets a BOOKMARK at the current resourceVersion.
  void Bookmark(const std::string& collection) {
    std::lock_guard lock(mu_);
    ++bookmark_gen_[collection];
    cv_.notify_all();
  }
  // Watches from a resourceVersion older than the current one get 410 (as an ERROR event, or
  // as an HTTP 410 response with `as_http`).
  void Compact(bool as_http = false) {
    std::lock_guard lock(mu_);
    compacted_ = rv_;
    compact_as_http_ = as_http;
  }
  std::string resource_version() const {
    std::lock_guard lock(mu_);
    return std::to_string(rv_);
  }
  // The next `count` requests for `collection` (lists and watches) fail with `status`.
  void Fail(const std::string& collection, int count, int status = 500) {
    std::lock_guard lock(mu_);
    failures_[collection] = {count, status};
  }
  void SetMissing(const std::string& collection, bool missing) {
    std::lock_guard lock(mu_);
    if (missing) {
      missing_.insert(collection);
    } else {
      missing_.erase(collection);
    }
  }
  // Continue tokens stop working: a paged list's second page gets 410.
  void ExpireContinueTokens(bool expire) {
    std::lock_guard lock(mu_);
    expire_continue_ = expire;
  }

  std::vector<FakeRequest> Requests(const std::string& collection, bool watches) const {
    std::vector<FakeRequest> out;
    for (auto& r : server_.requests()) {
      if (r.path == collection && (r.Param("watch") == "true") == watches) out.push_back(r);
    }
    return out;
  }
  int open_watches() const {
    std::lock_guard lock(mu_);
    return open_watches_;
  }

 private:
  struct Entry {
    uint64_t rv;
    std::string collection;
    std::string type;
    Json object;
  };

  static std::string Key(const Json& object) {
    const Json& meta = object["metadata"];
    std::string name = meta.value("name", "");
    std::string ns = meta.value("namespace", "");
    return ns.empty() ? name : ns + "/" + name;
  }

  void Bump(uint64_t& gen) {
    std::lock_guard lock(mu_);
    ++gen;
    cv_.notify_all();
  }

  void Handle(const FakeRequest& req, FakeConn& conn) {
    std::unique_lock lock(mu_);
    auto fail = failures_.find(req.path);
    if (fail != failures_.end() && fail->second.first > 0) {
      --fail->second.first;
      int status = fail->second.second;
      lock.unlock();
      conn.SendStatus(status, "InternalError", "scripted failure");
      return;
    }
    if (missing_.count(req.path)) {
      lock.unlock();
      conn.SendStatus(404, "NotFound", "the server could not find the requested resource");
      return;
    }
    if (req.Param("watch") == "true") {
      Watch(req, conn, lock);
    } else {
      List(req, conn, lock);
    }
  }

  void List(const FakeRequest& req, FakeConn& conn, std::unique_lock<std::mutex>& lock) {
    if (req.Has("continue") && expire_continue_) {
      lock.unlock();
      conn.SendStatus(410, "Expired", "The provided continue parameter is too old");
      return;
    }
    const auto& objects = collections_[req.path];
    size_t start = req.Has("continue") ? std::stoul(req.Param("continue")) : 0;
    size_t limit = req.Has("limit") ? std::stoul(req.Param("limit")) : 0;
    Json items = Json::array();
    size_t i = 0;
    for (const auto& [key, object] : objects) {
      if (i++ < start) continue;
      if (limit > 0 && items.size() == limit) break;
      Json item = object;
      item.erase("apiVersion");  // list items carry no type meta, as kube-apiserver's
      item.erase("kind");
      items.push_back(std::move(item));
    }
    Json list = {{"kind", "List"}, {"apiVersion", "v1"}, {"items", items}};
    list["metadata"]["resourceVersion"] = std::to_string(rv_);
    if (limit > 0 && start + items.size() < objects.size()) {
      list["metadata"]["continue"] = std::to_string(start + items.size());
    }
    lock.unlock();
    conn.SendJson(200, list);
  }

  void Watch(const FakeRequest& req, FakeConn& conn, std::unique_lock<std::mutex>& lock) {
    uint64_t from = req.Has("resourceVersion") ? std::stoull(req.Param("resourceVersion")) : 0;
    if (from < compacted_) {
      std::string message = "too old resource version: " + std::to_string(from) + " (" +
                            std::to_string(compacted_) + ")";
      bool http = compact_as_http_;
      lock.unlock();
      if (http) {
        conn.SendStatus(410, "Gone", message);
      } else {
        conn.StartChunked();
        conn.SendChunk(ErrorEvent(message));
        conn.EndChunked();
      }
      return;
    }
    uint64_t drop = drop_gen_, expire = expire_gen_;
    uint64_t bookmark = bookmark_gen_[req.path];
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::seconds(
                        req.Has("timeoutSeconds") ? std::stoi(req.Param("timeoutSeconds")) : 3600);
    ++open_watches_;
    lock.unlock();
    bool ok = conn.StartChunked();
    lock.lock();
    size_t next = 0;
    while (ok) {
      std::string out;
      for (; next < log_.size(); ++next) {
        const Entry& e = log_[next];
        if (e.collection != req.path || e.rv <= from) continue;
        out += Json{{"type", e.type}, {"object", e.object}}.dump() + "\n";
      }
      if (bookmark_gen_[req.path] != bookmark) {
        bookmark = bookmark_gen_[req.path];
        Json object = {{"kind", "Bookmark"}, {"apiVersion", "v1"}};
        object["metadata"]["resourceVersion"] = std::to_string(rv_);
        out += Json{{"type", "BOOKMARK"}, {"object", object}}.dump() + "\n";
      }
      if (!out.empty()) {
        lock.unlock();
        ok = conn.SendChunk(out);
        lock.lock();
        continue;
      }
      if (stopping_ || drop_gen_ != drop) {
        conn.Abort();
        break;
      }
      if (expire_gen_ != expire) {
        lock.unlock();
        conn.SendChunk(ErrorEvent("too old resource version"));
        conn.EndChunked();
        lock.lock();
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        lock.unlock();
        conn.EndChunked();
        lock.lock();
        break;
      }
      if (conn.PeerClosed()) break;
      // Short waits, so a client that hangs up is noticed even when nothing happens.
      cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                  std::chrono::milliseconds(20)));
    }
    --open_watches_;
    if (!ok) conn.Abort();
  }

  static std::string ErrorEvent(const std::string& message) {
    Json status = {{"kind", "Status"},    {"apiVersion", "v1"}, {"status", "Failure"},
                   {"reason", "Expired"}, {"code", 410},        {"message", message}};
    return Json{{"type", "ERROR"}, {"object", status}}.dump() + "\n";
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t rv_ = 100;
  uint64_t compacted_ = 0;
  bool compact_as_http_ = false;
  bool expire_continue_ = false;
  uint64_t drop_gen_ = 0;
  uint64_t expire_gen_ = 0;
  int open_watches_ = 0;
  std::map<std::string, uint64_t> bookmark_gen_;
  std::map<std::string, std::map<std::string, Json>> collections_;
  std::map<std::string, std::pair<int, int>> failures_;
  std::set<std::string> missing_;
  std::vector<Entry> log_;
  FakeHttpServer server_;  // last: destroyed (and its threads joined) first
};

}  // namespace waygate::kubeclient::testing
