// get, list and watch.
#include <chrono>
#include <condition_variable>
#include <algorithm>
#include <deque>
#include <mutex>
#include <random>

#include "api/admission.h"
#include "api/api_internal.h"
#include "printers/table.h"

namespace waygate::api {

using nlohmann::json;

void Api::Get(Call& call) {
  auto object = registry_.Get(*call.resource, call.info.namespace_, call.info.name);
  if (!object.ok()) return SendError(call, object.error(), call.info.name);
  RedactForClient(*call.resource, *object);
  SendObject(call, 200, *object);
}

void Api::List(Call& call) {
  ListOptions options;
  if (!ReadListOptions(call, options)) return;
  auto list = registry_.List(*call.resource, call.info.namespace_, options);
  if (!list.ok()) {
    if (list.error().code == ErrorCode::kGone) {
      SendStatus(call, apistatus::Expired(
                           "The provided continue parameter is too old to display a consistent "
                           "list result. You can start a new list without the continue "
                           "parameter."));
      return;
    }
    if (list.error().code == ErrorCode::kInvalid) {
      SendStatus(call, apistatus::BadRequest(list.error().message));
      return;
    }
    return SendError(call, list.error(), "");
  }
  if (call.visible_namespaces) {
    // A project member's view of the namespaces (authorize.cc): only their projects. The
    // count of the rest would tell what exists, so it is dropped.
    const std::vector<std::string>& visible = *call.visible_namespaces;
    std::erase_if(list->items, [&](const json& item) {
      return !std::binary_search(visible.begin(), visible.end(),
                                 item["metadata"].value("name", ""));
    });
    list->remaining_item_count.reset();
  }
  for (json& item : list->items) RedactForClient(*call.resource, item);
  SendList(call, *list);
}

namespace {

struct WatchQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<store::Event> events;
  std::optional<Error> closed;
};

// One watch event line. With as=Table the object is a one-row Table; only the first event of
// the stream carries the column definitions, as kube's watch encoder does.
std::string WatchLine(const Api::Call& call, std::string_view type, const json& stored,
                      bool* headers_sent = nullptr, const printers::TableContext& context = {}) {
  json event = {{"type", type}};
  // Bookmarks and errors are not objects of the resource; everything else is redacted here,
  // the one place every watch event passes.
  json redacted;
  bool redact = type != "BOOKMARK" && type != "ERROR" && HasRedactedFields(*call.resource);
  if (redact) {
    redacted = stored;
    RedactForClient(*call.resource, redacted);
  }
  const json& object = redact ? redacted : stored;
  if (call.accept.table && type != "BOOKMARK" && type != "ERROR") {
    std::vector<const json*> items = {&object};
    json meta = {{"resourceVersion", object["metadata"].value("resourceVersion", "")}};
    printers::IncludeObject include = printers::ParseIncludeObject(call.info.Param("includeObject"))
                                          .value_or(printers::IncludeObject::kMetadata);
    bool omit = headers_sent != nullptr && *headers_sent;
    event["object"] = printers::BuildTable(
        call.resource->group, call.resource->kind, items, include, meta,
        std::chrono::system_clock::now(),
        omit ? printers::ColumnHeaders::kOmit : printers::ColumnHeaders::kInclude, context);
    if (headers_sent != nullptr) *headers_sent = true;
  } else {
    event["object"] = object;
  }
  return EncodeJson(event);
}

}  // namespace

void Api::Watch(Call& call) {
  ListOptions options;
  if (!ReadListOptions(call, options)) return;
  if (!call.info.name.empty()) {
    // GET .../ingresses/web?watch=1 watches one object: the same as a name field selector.
    auto by_name = selector::FieldSelector::Parse(
        "metadata.name=" + selector::EscapeFieldValue(call.info.name),
        selector::FieldSelector::MetadataFields());
    if (by_name.ok()) options.fields = std::move(*by_name);
  }
  bool bookmarks = ParseBoolParam(call.info.Param("allowWatchBookmarks"));
  int64_t timeout_s = 0;
  if (call.info.Has("timeoutSeconds")) {
    timeout_s = std::atoll(std::string(call.info.Param("timeoutSeconds")).c_str());
  }
  if (timeout_s <= 0) {
    // kube-apiserver's default: a random time between --min-request-timeout (1800 s) and twice
    // that, so that reconnects of many watchers spread out.
    static thread_local std::mt19937 rng{std::random_device{}()};
    timeout_s = 1800 + static_cast<int64_t>(rng() % 1800);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);

  std::string rv_text(call.info.Param("resourceVersion"));
  std::string prefix = KeyPrefix(*call.resource, call.info.namespace_);
  std::vector<json> initial;
  int64_t after = 0;
  if (rv_text.empty() || rv_text == "0") {
    // "Start at most recent": the current state as ADDED events, then every change after it.
    ListOptions all = options;
    all.limit = 0;
    all.continue_token.clear();
    auto list = registry_.List(*call.resource, call.info.namespace_, all);
    if (!list.ok()) return SendError(call, list.error(), "");
    initial = std::move(list->items);
    after = list->revision;
  } else {
    auto rv = ParseResourceVersion(rv_text);
    if (!rv) {
      SendStatus(call, apistatus::BadRequest("invalid resource version: " + rv_text));
      return;
    }
    after = *rv;
  }

  const std::string start_rv = rv_text.empty() ? std::to_string(after) : rv_text;
  auto queue = std::make_shared<WatchQueue>();
  store::WatchCallbacks callbacks;
  callbacks.on_event = [queue](const store::Event& event) {
    std::lock_guard<std::mutex> lock(queue->mu);
    queue->events.push_back(event);
    queue->cv.notify_one();
  };
  callbacks.on_close = [queue](const Error& error) {
    std::lock_guard<std::mutex> lock(queue->mu);
    queue->closed = error;
    queue->cv.notify_one();
  };
  auto watch = registry_.store()->WatchPrefix(prefix, after, callbacks);
  if (!call.writer.StartStream(200, "application/json")) return;
  if (!watch.ok()) {
    if (watch.error().code == ErrorCode::kGone) {
      apistatus::ApiStatus gone = apistatus::Expired(
          "too old resource version: " + rv_text + " (" +
          std::to_string(registry_.store()->CompactedRevision()) + ")");
      call.writer.WriteChunk(WatchLine(call, "ERROR", apistatus::ToJson(gone)));
    } else {
      call.writer.WriteChunk(
          WatchLine(call, "ERROR", apistatus::ToJson(apistatus::Internal(watch.error().message))));
    }
    return;
  }
  bool headers_sent = false;
  // Table cells that depend on other objects (an Ingress's gateway) are read once per batch.
  printers::TableContext context = initial.empty() ? printers::TableContext{} : call.TableContext();
  for (const json& object : initial) {
    if (!call.writer.WriteChunk(WatchLine(call, "ADDED", object, &headers_sent, context))) return;
  }

  int64_t last_sent = after;
  auto last_bookmark = std::chrono::steady_clock::now();
  for (;;) {
    std::deque<store::Event> batch;
    std::optional<Error> closed;
    {
      std::unique_lock<std::mutex> lock(queue->mu);
      queue->cv.wait_for(lock, std::chrono::milliseconds(250),
                         [&] { return !queue->events.empty() || queue->closed.has_value(); });
      batch.swap(queue->events);
      closed = queue->closed;
    }
    std::string out;
    if (!batch.empty()) context = call.TableContext();
    for (const store::Event& event : batch) {
      int64_t revision = event.kv.mod_revision;
      json now_obj;
      json before;
      bool now_matches = false;
      bool before_matches = false;
      if (event.type == store::EventType::kPut) {
        now_obj = Registry::FromStored(event.kv);
        now_matches = MatchesSelectors(options, now_obj);
      }
      if (event.prev_kv) {
        // A deleted object is reported at the delete's revision, as kube does.
        before = Registry::FromStored(*event.prev_kv,
                                      event.type == store::EventType::kDelete ? revision : 0);
        before_matches = MatchesSelectors(options, before);
      }
      if (event.type == store::EventType::kDelete) {
        if (before_matches) out += WatchLine(call, "DELETED", before, &headers_sent, context);
      } else if (now_matches) {
        out += WatchLine(call, event.prev_kv && before_matches ? "MODIFIED" : "ADDED", now_obj,
                         &headers_sent, context);
      } else if (before_matches) {
        // It left the selection: to this watcher it is gone.
        out += WatchLine(call, "DELETED", now_obj, &headers_sent, context);
      }
      last_sent = revision;
    }
    if (!out.empty() && !call.writer.WriteChunk(out)) return;
    if (closed) {
      if (closed->code == ErrorCode::kGone) {
        // Compaction overtook the watcher while it replayed history: the same 410 as when the
        // revision was already gone at the start.
        apistatus::ApiStatus gone = apistatus::Expired(
            "too old resource version: " + start_rv + " (" +
            std::to_string(registry_.store()->CompactedRevision()) + ")");
        call.writer.WriteChunk(WatchLine(call, "ERROR", apistatus::ToJson(gone)));
      }
      return;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return;
    if (bookmarks && now - last_bookmark >= std::chrono::seconds(1)) {
      int64_t delivered = watch.value()->DeliveredRevision();
      if (delivered > last_sent) last_sent = delivered;
      if (last_sent > after) {
        json bookmark = {{"kind", std::string(call.resource->kind)},
                         {"apiVersion", call.resource->ApiVersion()},
                         {"metadata", {{"resourceVersion", std::to_string(last_sent)}}}};
        if (!call.writer.WriteChunk(WatchLine(call, "BOOKMARK", bookmark))) return;
        after = last_sent;
      }
      last_bookmark = now;
    }
    if (call.writer.ClientGone(0)) return;
  }
}

}  // namespace waygate::api
