// RestClient's verbs over real sockets against the scripted server on 127.0.0.1 port 0: request
// bodies arrive intact, Status answers map to error codes, and which requests are sent again
// after a kept-alive connection turns out stale.
#include "kubeclient/rest_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "kubeclient/fake_http_server.h"

namespace waygate::kubeclient {
namespace {

using testing::FakeConn;
using testing::FakeHttpServer;
using testing::FakeRequest;
using Json = nlohmann::json;
using namespace std::chrono_literals;

Config PlainConfig(const FakeHttpServer& server, const std::string& token = "") {
  Config c;
  auto url = ParseServerUrl(server.url(), "test");
  EXPECT_TRUE(url.ok());
  c.server = *url;
  c.token = token;
  return c;
}

std::unique_ptr<RestClient> MakeRest(const Config& config) {
  auto cluster = Cluster::Create(config);
  EXPECT_TRUE(cluster.ok()) << cluster.error().message;
  return std::make_unique<RestClient>(*cluster);
}

// Answers every request with its own body and method, as a server echoing the stored object.
void EchoBody(const FakeRequest& r, FakeConn& c) {
  Json body = r.body.empty() ? Json::object() : Json::parse(r.body);
  body["seen"] = r.method + " " + r.target;
  c.SendJson(r.method == "POST" ? 201 : 200, body);
}

Json Node(const std::string& name) {
  // Large enough to span many TCP segments and TLS records, with bytes that need escaping.
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"a", "b\"c\\d\u00e9"}}}}},
          {"spec", {{"padding", std::string(200000, 'x')}}}};
}

TEST(RestClientTest, CreatePostsTheObjectIntact) {
  FakeHttpServer server(EchoBody);
  auto rest = MakeRest(PlainConfig(server, "tok"));
  Json node = Node("gw-1");
  auto created = rest->Create("/api/v1/nodes", node);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ((*created)["seen"], "POST /api/v1/nodes");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(Json::parse(reqs[0].body), node);
  EXPECT_EQ(reqs[0].Header("content-type"), "application/json");
  EXPECT_EQ(reqs[0].Header("content-length"), std::to_string(node.dump().size()));
  EXPECT_EQ(reqs[0].Header("authorization"), "Bearer tok");
  EXPECT_EQ(reqs[0].Header("accept"), "application/json");
  EXPECT_EQ(reqs[0].Header("user-agent"), "waygate/0.1.0");
}

TEST(RestClientTest, ReplacePatchAndGetShareOneConnection) {
  FakeHttpServer server(EchoBody);
  Config config = PlainConfig(server);
  config.server.base_path = "/k8s/clusters/c-1";
  auto rest = MakeRest(config);
  Json node = Node("gw-1");
  node["metadata"]["resourceVersion"] = "7";
  auto put = rest->Replace("/api/v1/nodes/gw-1/status", node);
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ((*put)["seen"], "PUT /k8s/clusters/c-1/api/v1/nodes/gw-1/status");
  auto patched = rest->Patch("/api/v1/nodes/gw-1", {{"metadata", {{"labels", {{"a", nullptr}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  auto got = rest->Get("/api/v1/nodes/gw-1");
  ASSERT_TRUE(got.ok()) << got.error().message;

  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].method, "PUT");
  EXPECT_EQ(Json::parse(reqs[0].body), node);
  EXPECT_EQ(reqs[0].Header("content-type"), "application/json");
  EXPECT_EQ(reqs[1].method, "PATCH");
  EXPECT_EQ(reqs[1].Header("content-type"), "application/merge-patch+json");
  EXPECT_EQ(reqs[1].body, R"({"metadata":{"labels":{"a":null}}})");
  EXPECT_EQ(reqs[2].method, "GET");
  EXPECT_EQ(reqs[2].headers.count("content-length"), 0u);
  EXPECT_EQ(reqs[2].body, "");
  EXPECT_EQ(rest->connections_opened(), 1u);
}

TEST(RestClientTest, ConflictCarriesTheStatusMessage) {
  FakeHttpServer server([](const FakeRequest& r, FakeConn& c) {
    if (r.method == "POST") {
      c.SendStatus(409, "AlreadyExists", "nodes \"gw-1\" already exists");
    } else {
      c.SendStatus(409, "Conflict",
                   "Operation cannot be fulfilled on nodes \"gw-1\": the object has been "
                   "modified; please apply your changes to the latest version and try again");
    }
  });
  auto rest = MakeRest(PlainConfig(server));
  auto created = rest->Create("/api/v1/nodes", Node("gw-1"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kConflict);
  EXPECT_EQ(created.error().message,
            "POST /api/v1/nodes: 409 AlreadyExists: nodes \"gw-1\" already exists");
  auto put = rest->Replace("/api/v1/nodes/gw-1", Node("gw-1"));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kConflict);
  EXPECT_NE(put.error().message.find("PUT /api/v1/nodes/gw-1: 409 Conflict: Operation cannot be "
                                     "fulfilled on nodes \"gw-1\": the object has been modified"),
            std::string::npos)
      << put.error().message;
  EXPECT_EQ(rest->connections_opened(), 1u) << "an error answer keeps the connection";
}

TEST(RestClientTest, StatusCodesMapToErrorCodes) {
  FakeHttpServer server([](const FakeRequest& r, FakeConn& c) {
    int code = std::stoi(r.path.substr(1));
    if (code == 200) {
      c.SendResponse(200, "not json", "text/plain");
    } else if (code == 502) {
      c.SendResponse(502, "<html>bad gateway</html>", "text/html");
    } else {
      c.SendStatus(code, "Reason" + std::to_string(code), "message " + std::to_string(code));
    }
  });
  auto rest = MakeRest(PlainConfig(server));
  const std::pair<int, ErrorCode> cases[] = {
      {404, ErrorCode::kNotFound}, {410, ErrorCode::kGone},     {400, ErrorCode::kInvalid},
      {422, ErrorCode::kInvalid},  {403, ErrorCode::kInvalid},  {500, ErrorCode::kInternal},
      {502, ErrorCode::kInternal}, {200, ErrorCode::kInternal},
  };
  for (const auto& [status, code] : cases) {
    auto r = rest->Replace("/" + std::to_string(status), Json::object());
    ASSERT_FALSE(r.ok()) << status;
    EXPECT_EQ(r.error().code, code) << status << ": " << r.error().message;
    EXPECT_EQ(r.error().message.rfind("PUT /" + std::to_string(status) + ": ", 0), 0u)
        << r.error().message;
  }
  EXPECT_NE(rest->Get("/422").error().message.find("422 Reason422: message 422"),
            std::string::npos);
  EXPECT_EQ(rest->Get("/502").error().message, "GET /502: 502") << "no Status to quote";
  EXPECT_NE(rest->Get("/200").error().message.find("GET /200: response is not JSON"),
            std::string::npos);
}

TEST(RestClientTest, TransportFailureIsIoAndNamesTheRequest) {
  Config config;
  config.server = *ParseServerUrl("http://127.0.0.1:1", "t");
  auto rest = MakeRest(config);
  auto r = rest->Create("/api/v1/nodes", Node("gw-1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_EQ(r.error().message.rfind("POST /api/v1/nodes: connect 127.0.0.1:1", 0), 0u)
      << r.error().message;
}

TEST(RestClientTest, UnauthorizedMakesTheTokenFileBeReadAgain) {
  std::string dir = std::filesystem::temp_directory_path().string() + "/waygate-rest-token-" +
                    std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::string file = dir + "/token";
  { std::ofstream(file) << "old"; }
  FakeHttpServer server([](const FakeRequest& r, FakeConn& c) {
    if (r.Header("authorization") == "Bearer new") {
      c.SendJson(201, Json::parse(r.body));
    } else {
      c.SendStatus(401, "Unauthorized", "Unauthorized");
    }
  });
  Config config = PlainConfig(server);
  config.token_file = file;
  auto rest = MakeRest(config);
  auto first = rest->Create("/api/v1/nodes", Node("a"));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kInvalid);
  { std::ofstream(file) << "new"; }
  EXPECT_TRUE(rest->Create("/api/v1/nodes", Node("a")).ok()) << "the 401 forced a re-read";
  std::filesystem::remove_all(dir);
}

// ---- stale kept-alive connections ----

// Answers the first request on each connection; a later one on the same connection makes the
// server close it without an answer, as a server whose idle timeout fired just as the request
// arrived (so the request reached it, and might have been applied).
class DropsReusedConnections {
 public:
  DropsReusedConnections()
      : server_([this](const FakeRequest& r, FakeConn& c) {
          int connection = server_.connections();
          if (connection == last_connection_.exchange(connection)) {
            c.Abort();
            return;
          }
          EchoBody(r, c);
        }) {}
  FakeHttpServer& server() { return server_; }

 private:
  std::atomic<int> last_connection_{0};
  FakeHttpServer server_;
};

TEST(RestClientTest, IdempotentRequestsAreSentAgainAfterAStaleConnection) {
  DropsReusedConnections drops;
  auto rest = MakeRest(PlainConfig(drops.server()));
  ASSERT_TRUE(rest->Get("/api/v1/nodes/a").ok());
  auto put = rest->Replace("/api/v1/nodes/a", Node("a"));
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ((*put)["seen"], "PUT /api/v1/nodes/a");
  auto get = rest->Get("/api/v1/nodes/a");
  ASSERT_TRUE(get.ok()) << get.error().message;
  auto reqs = drops.server().requests();
  ASSERT_EQ(reqs.size(), 5u);  // GET, PUT dropped, PUT again, GET dropped, GET again
  EXPECT_EQ(reqs[1].method, "PUT");
  EXPECT_EQ(reqs[2].method, "PUT");
  EXPECT_EQ(reqs[2].body, reqs[1].body);
  EXPECT_EQ(rest->connections_opened(), 3u);
}

TEST(RestClientTest, PostAndPatchAreNotSentAgainAfterAStaleConnection) {
  DropsReusedConnections drops;
  auto rest = MakeRest(PlainConfig(drops.server()));
  ASSERT_TRUE(rest->Get("/api/v1/nodes/a").ok());
  auto created = rest->Create("/api/v1/nodes", Node("a"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kIo);
  EXPECT_EQ(created.error().message, "POST /api/v1/nodes: connection closed before a response");
  ASSERT_TRUE(rest->Get("/api/v1/nodes/a").ok()) << "the next request opens a fresh connection";
  auto patched = rest->Patch("/api/v1/nodes/a", {{"spec", {{"unschedulable", true}}}});
  ASSERT_FALSE(patched.ok());
  EXPECT_EQ(patched.error().code, ErrorCode::kIo);
  std::vector<std::string> methods;
  for (const auto& r : drops.server().requests()) methods.push_back(r.method);
  EXPECT_EQ(methods, (std::vector<std::string>{"GET", "POST", "GET", "PATCH"}));
}

TEST(RestClientTest, AConnectionClosedWhileIdleIsReplacedBeforeAPost) {
  FakeHttpServer server([](const FakeRequest& r, FakeConn& c) {
    EchoBody(r, c);
    c.CloseAfter();  // the server forgets idle connections without saying so
  });
  auto rest = MakeRest(PlainConfig(server));
  ASSERT_TRUE(rest->Get("/api/v1/nodes/a").ok());
  std::this_thread::sleep_for(50ms);  // let the close arrive
  auto created = rest->Create("/api/v1/nodes", Node("a"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(server.requests().size(), 2u) << "nothing was sent on the closed connection";
  EXPECT_EQ(rest->connections_opened(), 2u);
}

TEST(RestClientTest, AFreshConnectionFailingIsNotRetried) {
  std::atomic<int> served{0};
  FakeHttpServer server([&](const FakeRequest&, FakeConn& c) {
    ++served;
    c.Abort();
  });
  auto rest = MakeRest(PlainConfig(server));
  auto r = rest->Get("/api/v1/nodes/a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_EQ(served.load(), 1) << "the server itself failed: the caller's backoff decides";
}

}  // namespace
}  // namespace waygate::kubeclient
