// The HTTP/1.1 client and the API verbs over real sockets, against a scripted server on
// 127.0.0.1 port 0 (tests/kubeclient/fake_http_server.h): bodies framed every way, keep-alive,
// timeouts, cancellation, TLS verification, paging and Status errors.
#include "kubeclient/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "kubeclient/api_client.h"
#include "kubeclient/fake_api.h"
#include "kubeclient/fake_http_server.h"
#include "pki/pki.h"
#include "pki/server_context.h"

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

std::unique_ptr<Client> MakeClient(const Config& config) {
  auto cluster = Cluster::Create(config);
  EXPECT_TRUE(cluster.ok()) << cluster.error().message;
  return std::make_unique<Client>(*cluster);
}

TEST(HttpClientTest, ContentLengthChunkedAndUntilCloseBodies) {
  FakeHttpServer server([](const FakeRequest& r, FakeConn& c) {
    if (r.path == "/length") {
      c.SendResponse(200, "{\"a\":1}");
    } else if (r.path == "/chunked") {
      c.StartChunked();
      c.SendChunk("{\"b\":");
      c.SendChunk("2}");
      c.EndChunked();
    } else {
      c.Send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"c\":3}");
      c.CloseAfter();
    }
  });
  auto client = MakeClient(PlainConfig(server));
  auto a = client->Get("/length");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ((*a)["a"], 1);
  auto b = client->Get("/chunked");
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ((*b)["b"], 2);
  auto c = client->Get("/close");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ((*c)["c"], 3);
  // The first two shared one kept-alive connection; the third asked to close after it.
  EXPECT_EQ(client->connections_opened(), 1u);
  auto d = client->Get("/length");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(client->connections_opened(), 2u);
}

TEST(HttpClientTest, SendsUserAgentAcceptAndBearerToken) {
  FakeHttpServer server([](const FakeRequest&, FakeConn& c) { c.SendResponse(200, "{}"); });
  auto client = MakeClient(PlainConfig(server, "s3cr3t"));
  ASSERT_TRUE(client->Get("/version").ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].Header("user-agent"), std::string("waygate/") + "0.1.0");
  EXPECT_EQ(reqs[0].Header("accept"), "application/json");
  EXPECT_EQ(reqs[0].Header("authorization"), "Bearer s3cr3t");
  EXPECT_EQ(reqs[0].Header("host"), "127.0.0.1:" + std::to_string(server.port()));

  auto anonymous = MakeClient(PlainConfig(server));
  ASSERT_TRUE(anonymous->Get("/version").ok());
  EXPECT_EQ(server.requests().back().headers.count("authorization"), 0u);
}

TEST(HttpClientTest, BasePathIsPrepended) {
  FakeHttpServer server([](const FakeRequest&, FakeConn& c) { c.SendResponse(200, "{}"); });
  Config config = PlainConfig(server);
  config.server.base_path = "/k8s/clusters/c-1";
  auto client = MakeClient(config);
  ASSERT_TRUE(client->Get("/api/v1/services?limit=1").ok());
  EXPECT_EQ(server.requests().back().target, "/k8s/clusters/c-1/api/v1/services?limit=1");
}

TEST(HttpClientTest, AKeptAliveConnectionClosedWhileIdleIsReplaced) {
  std::atomic<int> served{0};
  FakeHttpServer server([&](const FakeRequest&, FakeConn& c) {
    ++served;
    c.SendResponse(200, "{}");
    // The server forgets idle connections without telling (no Connection: close).
    c.CloseAfter();
  });
  auto client = MakeClient(PlainConfig(server));
  ASSERT_TRUE(client->Get("/a").ok());
  std::this_thread::sleep_for(50ms);  // let the close arrive
  auto second = client->Get("/b");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(served.load(), 2);
  EXPECT_EQ(client->connections_opened(), 2u);
}

TEST(HttpClientTest, SendsAnyMethodWithItsBody) {
  FakeHttpServer server([](const FakeRequest& r, FakeConn& c) {
    if (r.method == "HEAD") {
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
    } else {
      c.SendResponse(r.method == "DELETE" ? 202 : 200, r.method + ":" + r.body, "text/plain");
    }
  });
  HttpClient http(*ParseServerUrl(server.url(), "t"), {});
  HttpRequest post;
  post.method = "POST";
  post.target = "/things";
  const char raw[] = "a\0b\r\n\r\nGET / HTTP/1.1\r\n\r\n";  // framing is Content-Length
  post.body = std::string(raw, sizeof raw - 1);
  post.content_type = "application/octet-stream";
  auto posted = http.Send(post);
  ASSERT_TRUE(posted.ok()) << posted.error().message;
  EXPECT_EQ(posted->body, "POST:" + post.body);
  HttpRequest empty;
  empty.method = "POST";
  empty.target = "/empty";
  ASSERT_TRUE(http.Send(empty).ok());
  HttpRequest del;
  del.method = "DELETE";
  del.target = "/things/a";
  auto deleted = http.Send(del);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->status, 202);
  HttpRequest head;
  head.method = "HEAD";
  head.target = "/things";
  auto headed = http.Send(head);  // a Content-Length but no body follows
  ASSERT_TRUE(headed.ok()) << headed.error().message;
  EXPECT_EQ(headed->body, "");
  HttpRequest get;
  get.target = "/after-head";
  ASSERT_TRUE(http.Send(get).ok());

  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].Header("content-type"), "application/octet-stream");
  EXPECT_EQ(reqs[0].body, post.body);
  EXPECT_EQ(reqs[1].Header("content-length"), "0") << "a POST always says how long its body is";
  EXPECT_EQ(reqs[1].headers.count("content-type"), 0u);
  EXPECT_EQ(reqs[2].method, "DELETE");
  EXPECT_EQ(reqs[2].headers.count("content-length"), 0u);
  EXPECT_EQ(reqs[3].method, "HEAD");
  EXPECT_EQ(reqs[4].method, "GET");
  EXPECT_EQ(http.connections_opened(), 1u);
}

TEST(HttpClientTest, TruncatedBodyIsAnError) {
  FakeHttpServer server([](const FakeRequest&, FakeConn& c) {
    c.Send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\":");
    c.Abort();
  });
  auto client = MakeClient(PlainConfig(server));
  auto r = client->Get("/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_NE(r.error().message.find("GET /x"), std::string::npos);
}

TEST(HttpClientTest, SilentServerTimesOut) {
  std::promise<void> release;
  auto released = release.get_future().share();
  FakeHttpServer server([released](const FakeRequest&, FakeConn&) { released.wait(); });
  auto client = MakeClient(PlainConfig(server));
  auto t0 = std::chrono::steady_clock::now();
  auto r = client->Get("/slow", 200ms);
  auto took = std::chrono::steady_clock::now() - t0;
  release.set_value();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);
}

TEST(HttpClientTest, CancelEndsABlockedWatchAtOnce) {
  testing::FakeApi api;  // an empty collection: the watch just waits
  Config config;
  config.server = *ParseServerUrl(api.url(), "t");
  auto client = MakeClient(config);
  auto done = std::async(std::launch::async, [&] {
    return client->Watch("/api/v1/services", WatchOptions{"100", 3600},
                         [](std::vector<WatchEvent>&) { return true; });
  });
  while (api.open_watches() == 0) std::this_thread::sleep_for(5ms);
  auto t0 = std::chrono::steady_clock::now();
  client->Cancel();
  ASSERT_EQ(done.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  Status s = done.get();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("canceled"), std::string::npos);
  EXPECT_FALSE(client->Get("/version").ok()) << "cancellation is final";
}

TEST(HttpClientTest, ConnectionRefusedNamesTheServer) {
  Config config;
  config.server = *ParseServerUrl("http://127.0.0.1:1", "t");
  auto client = MakeClient(config);
  auto r = client->Get("/version");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("connect 127.0.0.1:1"), std::string::npos) << r.error().message;
}

// ---- API verbs ----

TEST(ApiClientTest, ListFollowsContinueTokens) {
  testing::FakeApi api;
  for (int i = 0; i < 7; ++i) {
    api.Put("/api/v1/services",
            {{"apiVersion", "v1"},
             {"kind", "Service"},
             {"metadata", {{"namespace", "ns"}, {"name", "s" + std::to_string(i)}}}});
  }
  Config config;
  config.server = *ParseServerUrl(api.url(), "t");
  auto client = MakeClient(config);
  ListOptions options;
  options.limit = 3;
  auto list = client->List("/api/v1/services", options);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->items.size(), 7u);
  EXPECT_EQ(list->items[6]["metadata"]["name"], "s6");
  EXPECT_EQ(list->resource_version, api.resource_version());
  auto reqs = api.Requests("/api/v1/services", false);
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].Param("limit"), "3");
  EXPECT_FALSE(reqs[0].Has("continue"));
  EXPECT_EQ(reqs[1].Param("continue"), "3");
  EXPECT_EQ(reqs[2].Param("continue"), "6");
  EXPECT_EQ(client->connections_opened(), 1u) << "pages share one connection";
}

TEST(ApiClientTest, DefaultPageIs500) {
  testing::FakeApi api;
  Config config;
  config.server = *ParseServerUrl(api.url(), "t");
  ASSERT_TRUE(MakeClient(config)->List("/api/v1/secrets").ok());
  EXPECT_EQ(api.Requests("/api/v1/secrets", false).at(0).Param("limit"), "500");
}

TEST(ApiClientTest, ExpiredContinueTokenFallsBackToOneFullList) {
  testing::FakeApi api;
  for (int i = 0; i < 5; ++i) {
    api.Put("/api/v1/endpoints",
            {{"metadata", {{"namespace", "ns"}, {"name", "e" + std::to_string(i)}}}});
  }
  api.ExpireContinueTokens(true);
  Config config;
  config.server = *ParseServerUrl(api.url(), "t");
  ListOptions options;
  options.limit = 2;
  auto list = MakeClient(config)->List("/api/v1/endpoints", options);
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ(list->items.size(), 5u);
  auto reqs = api.Requests("/api/v1/endpoints", false);
  ASSERT_EQ(reqs.size(), 3u);  // page 1, page 2 (410), the whole list
  EXPECT_FALSE(reqs[2].Has("limit"));
  EXPECT_FALSE(reqs[2].Has("continue"));
}

TEST(ApiClientTest, StatusErrorsMapToCodesAndQuoteTheMessage) {
  FakeHttpServer server([](const FakeRequest& r, FakeConn& c) {
    if (r.path == "/forbidden") {
      c.SendStatus(403, "Forbidden", "secrets is forbidden: User \"x\" cannot list");
    } else if (r.path == "/gone") {
      c.SendStatus(410, "Gone", "too old");
    } else if (r.path == "/missing") {
      c.SendStatus(404, "NotFound", "nope");
    } else {
      c.SendResponse(503, "upstream connect error", "text/plain");
    }
  });
  auto client = MakeClient(PlainConfig(server));
  auto forbidden = client->List("/forbidden");
  ASSERT_FALSE(forbidden.ok());
  EXPECT_EQ(forbidden.error().code, ErrorCode::kInvalid);
  EXPECT_NE(forbidden.error().message.find("403 Forbidden: secrets is forbidden"),
            std::string::npos)
      << forbidden.error().message;
  EXPECT_EQ(client->Get("/missing").error().code, ErrorCode::kNotFound);
  auto gone = client->Watch("/gone", {}, [](auto&) { return true; });
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kGone);
  auto unavailable = client->Get("/other");
  ASSERT_FALSE(unavailable.ok());
  EXPECT_EQ(unavailable.error().code, ErrorCode::kInternal);
  EXPECT_NE(unavailable.error().message.find("503 Service Unavailable"), std::string::npos);
}

TEST(ApiClientTest, WatchSendsTheProtocolParametersAndEndsOnErrorEvent) {
  FakeHttpServer server([](const FakeRequest&, FakeConn& c) {
    c.StartChunked();
    // One chunk holding an event and the start of the next; the ERROR event ends the watch.
    c.SendChunk(R"js({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"7"}}})js"
                "\n{\"type\":\"MODI");
    c.SendChunk(R"js(FIED","object":{"metadata":{"name":"a","resourceVersion":"8"}}})js"
                "\n"
                R"js({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",)js"
                R"js("message":"too old resource version: 7 (9)"}})js"
                "\n");
    c.EndChunked();
  });
  auto client = MakeClient(PlainConfig(server));
  std::vector<std::string> seen;
  Status s =
      client->Watch("/apis/networking.k8s.io/v1/ingresses", WatchOptions{"6", 42},
                    [&](std::vector<WatchEvent>& events) {
                      for (auto& e : events) {
                        seen.push_back(std::string(ToString(e.type)) + " " +
                                       e.object["metadata"]["resourceVersion"].get<std::string>());
                      }
                      return true;
                    });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kGone);
  EXPECT_NE(s.error().message.find("too old resource version: 7 (9)"), std::string::npos);
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED 7", "MODIFIED 8"}));
  auto req = server.requests().at(0);
  EXPECT_EQ(req.Param("watch"), "true");
  EXPECT_EQ(req.Param("resourceVersion"), "6");
  EXPECT_EQ(req.Param("allowWatchBookmarks"), "true");
  EXPECT_EQ(req.Param("timeoutSeconds"), "42");
}

TEST(ApiClientTest, WatchEndedByTheServerIsOkAndTheConnectionIsReused) {
  FakeHttpServer server([](const FakeRequest&, FakeConn& c) {
    c.StartChunked();
    c.SendChunk(R"js({"type":"ADDED","object":{"metadata":{"name":"a"}}})js");
    c.EndChunked();
  });
  auto client = MakeClient(PlainConfig(server));
  int events = 0;
  for (int i = 0; i < 2; ++i) {
    Status s = client->Watch("/api/v1/services", {}, [&](auto& batch) {
      events += static_cast<int>(batch.size());
      return true;
    });
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  EXPECT_EQ(events, 2);
  EXPECT_EQ(client->connections_opened(), 1u);
}

TEST(ApiClientTest, WatchCutInsideAnEventIsAnError) {
  FakeHttpServer server([](const FakeRequest&, FakeConn& c) {
    c.StartChunked();
    c.SendChunk(R"js({"type":"ADDED","obj)js");
    c.Abort();
  });
  auto client = MakeClient(PlainConfig(server));
  Status s = client->Watch("/api/v1/services", {}, [](auto&) { return true; });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kIo);
}

TEST(ApiClientTest, UnauthorizedMakesTheTokenFileBeReadAgain) {
  std::string dir = std::filesystem::temp_directory_path().string() + "/waygate-kc-token-" +
                    std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::string file = dir + "/token";
  { std::ofstream(file) << "old"; }
  FakeHttpServer server([](const FakeRequest& r, FakeConn& c) {
    if (r.Header("authorization") == "Bearer new") {
      c.SendResponse(200, "{}");
    } else {
      c.SendStatus(401, "Unauthorized", "Unauthorized");
    }
  });
  Config config = PlainConfig(server);
  config.token_file = file;
  auto client = MakeClient(config);
  EXPECT_FALSE(client->Get("/x").ok());
  { std::ofstream(file) << "new"; }  // the kubelet rotated the projected token
  EXPECT_TRUE(client->Get("/x").ok()) << "the 401 forced a re-read within the refresh period";
  std::filesystem::remove_all(dir);
}

// ---- TLS ----

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path().string() + "/waygate-kc-tls-" +
           std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    auto pki = pki::EnsurePki(dir_, {});
    ASSERT_TRUE(pki.ok()) << pki.error().message;
    pki_ = *pki;
    pki::ServerContextOptions options;
    auto ctx = pki::MakeServerContext(pki_, options);
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    ctx_ = std::move(*ctx);
    server_ = std::make_unique<FakeHttpServer>(
        [](const FakeRequest&, FakeConn& c) { c.SendResponse(200, "{\"tls\":true}"); }, ctx_.get());
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  Config TlsConfig(const std::string& host = "127.0.0.1") {
    Config c;
    c.server = *ParseServerUrl("https://" + host + ":" + std::to_string(server_->port()), "t");
    c.ca_pem = pki_.ca_cert_pem;
    c.ca_field = "test CA";
    return c;
  }
  std::string dir_;
  pki::DataDirPki pki_;
  pki::SslCtxPtr ctx_;
  std::unique_ptr<FakeHttpServer> server_;
};

TEST_F(TlsTest, VerifiesTheServerAgainstTheCaByIpAndName) {
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto r = MakeClient(TlsConfig(host))->Get("/version");
    ASSERT_TRUE(r.ok()) << host << ": " << r.error().message;
    EXPECT_EQ((*r)["tls"], true);
  }
}

TEST_F(TlsTest, KeepsTheConnectionAlive) {
  // TLS 1.3 session tickets arrive after the handshake: they must not make the idle connection
  // look closed by the server.
  auto client = MakeClient(TlsConfig());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client->Get("/version").ok());
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(client->connections_opened(), 1u);
}

TEST_F(TlsTest, RejectsAServerNameTheCertificateLacks) {
  Config c = TlsConfig();
  c.tls_server_name = "api.example.com";
  auto r = MakeClient(c)->Get("/version");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("server certificate rejected"), std::string::npos)
      << r.error().message;
  c.tls_server_name = "kubernetes.default.svc";  // in the serving certificate's SANs
  EXPECT_TRUE(MakeClient(c)->Get("/version").ok());
}

TEST_F(TlsTest, RejectsAnUnknownCaUnlessInsecure) {
  std::string other = dir_ + "-other";
  auto other_pki = pki::EnsurePki(other, {});
  ASSERT_TRUE(other_pki.ok());
  Config c = TlsConfig();
  c.ca_pem = other_pki->ca_cert_pem;
  auto r = MakeClient(c)->Get("/version");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("server certificate rejected"), std::string::npos)
      << r.error().message;
  c.ca_pem.clear();
  c.insecure_skip_tls_verify = true;
  EXPECT_TRUE(MakeClient(c)->Get("/version").ok());
  std::filesystem::remove_all(other);
}

TEST_F(TlsTest, ClientCertificateMustMatchItsKey) {
  Config c = TlsConfig();
  c.client_cert_pem = pki_.serving_cert_pem;
  c.client_key_pem = pki_.serving_key_pem;
  c.client_key_field = "kubeconfig k: users[0].user.client-key-data";
  EXPECT_TRUE(Cluster::Create(c).ok());
  std::string other = dir_ + "-other";
  auto other_pki = pki::EnsurePki(other, {});
  ASSERT_TRUE(other_pki.ok());
  c.client_key_pem = other_pki->serving_key_pem;
  auto mismatch = Cluster::Create(c);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().message,
            "kubeconfig k: users[0].user.client-key-data: does not belong to the client "
            "certificate");
  c.client_key_pem = "not a key";
  EXPECT_FALSE(Cluster::Create(c).ok());
  std::filesystem::remove_all(other);
}

TEST_F(TlsTest, BadCaPemIsAnErrorNamingTheField) {
  Config c = TlsConfig();
  c.ca_pem = "garbage";
  auto r = Cluster::Create(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "test CA: no PEM certificate found");
}

}  // namespace
}  // namespace waygate::kubeclient
