// cors.cc, canary.cc and errors.cc.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include "helpers.h"

namespace waygate::annotations {
namespace {

using testing::Ann;
using testing::ExpectInvalid;
using testing::Field;
using testing::MustFail;
using testing::MustParse;

TEST(Cors, Defaults) {
  CorsPolicy cors = MustParse(Ann({})).cors;
  EXPECT_FALSE(cors.enabled);
  EXPECT_TRUE(cors.any_origin);
  EXPECT_TRUE(cors.origins.empty());
  EXPECT_EQ(cors.allow_methods, "GET, PUT, POST, DELETE, PATCH, OPTIONS");
  EXPECT_EQ(cors.allow_headers,
            "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,"
            "Content-Type,Range,Authorization");
  EXPECT_EQ(cors.expose_headers, "");
  EXPECT_TRUE(cors.allow_credentials);
  EXPECT_EQ(cors.max_age_s, 1728000);
}

TEST(Cors, Origins) {
  CorsPolicy cors = MustParse(Ann({{"enable-cors", "true"},
                                   {"cors-allow-origin",
                                    "https://origin-site.com:4443, http://Origin.com,"
                                    " https://*.foo.bar, null"}}))
                        .cors;
  EXPECT_TRUE(cors.enabled);
  EXPECT_FALSE(cors.any_origin);
  EXPECT_EQ(cors.origins,
            (std::vector<std::string>{"https://origin-site.com:4443", "http://origin.com",
                                      "https://*.foo.bar", "null"}));
  cors = MustParse(Ann({{"cors-allow-origin", "https://a.com, *"}})).cors;
  EXPECT_TRUE(cors.any_origin);
  EXPECT_TRUE(cors.origins.empty());
  for (const char* bad : {"a.com", "https://*.*.b.com", "https://a.com/path", "https://a.com:x",
                          "https://a.com:123456", "https://", "://a.com", "https://a b.com"}) {
    ExpectInvalid("cors-allow-origin", bad, "invalid CORS origin");
  }
  ExpectInvalid("cors-allow-origin", ",", "no origin");
}

TEST(Cors, ListsAreRebuilt) {
  CorsPolicy cors = MustParse(Ann({{"cors-allow-methods", "GET,POST ,  OPTIONS"},
                                   {"cors-allow-headers", "X-Forwarded-For,X_Custom"},
                                   {"cors-expose-headers", "*, X-Request-Id"},
                                   {"cors-allow-credentials", "false"},
                                   {"cors-max-age", "600"}}))
                        .cors;
  EXPECT_EQ(cors.allow_methods, "GET, POST, OPTIONS");
  EXPECT_EQ(cors.allow_headers, "X-Forwarded-For, X_Custom");
  EXPECT_EQ(cors.expose_headers, "*, X-Request-Id");
  EXPECT_FALSE(cors.allow_credentials);
  EXPECT_EQ(cors.max_age_s, 600);
  ExpectInvalid("cors-allow-methods", "GET;rm", "letters only");
  ExpectInvalid("cors-allow-methods", "GET, PO5T", "letters only");
  ExpectInvalid("cors-allow-headers", "X-A:b", "header names");
  ExpectInvalid("cors-allow-headers", "*", "header names");
  ExpectInvalid("cors-expose-headers", "X-$a", "header names");
  ExpectInvalid("cors-allow-credentials", "yes", "invalid boolean");
  ExpectInvalid("cors-max-age", "1d", "invalid number");
  ExpectInvalid("cors-max-age", "9999999999", "out of range");
}

TEST(Canary, Defaults) {
  CanaryPolicy canary = MustParse(Ann({})).canary;
  EXPECT_FALSE(canary.enabled);
  EXPECT_EQ(canary.by_header, "");
  EXPECT_EQ(canary.by_header_pattern, nullptr);
  EXPECT_EQ(canary.weight, 0u);
  EXPECT_EQ(canary.weight_total, 100u);
}

TEST(Canary, AllKeys) {
  CanaryPolicy canary = MustParse(Ann({{"canary", "true"},
                                       {"canary-by-header", "X-Canary"},
                                       {"canary-by-header-value", "users=beta"},
                                       {"canary-by-header-pattern", "^v[0-9]+$"},
                                       {"canary-by-cookie", "use_canary"},
                                       {"canary-weight", "50"},
                                       {"canary-weight-total", "1000"}}))
                            .canary;
  EXPECT_TRUE(canary.enabled);
  EXPECT_EQ(canary.by_header, "x-canary");
  EXPECT_EQ(canary.by_header_value, "users=beta");
  ASSERT_NE(canary.by_header_pattern, nullptr);
  EXPECT_TRUE(RE2::PartialMatch("v12", *canary.by_header_pattern));
  EXPECT_FALSE(RE2::PartialMatch("x12", *canary.by_header_pattern));
  EXPECT_EQ(canary.by_cookie, "use_canary");
  EXPECT_EQ(canary.weight, 50u);
  EXPECT_EQ(canary.weight_total, 1000u);
}

TEST(Canary, Refusals) {
  ExpectInvalid("canary-by-header-pattern", "(", "invalid regular expression");
  ExpectInvalid("canary-by-header-pattern", "(a)\\1", "invalid regular expression");
  ExpectInvalid("canary-by-header", "X Canary", "header name");
  ExpectInvalid("canary-by-header", "X-Canary:", "header name");
  ExpectInvalid("canary-by-cookie", "a=b", "cookie name");
  ExpectInvalid("canary-by-header-value", "caf\xc3\xa9", "printable ASCII");
  ExpectInvalid("canary", "yes", "invalid boolean");
  ExpectInvalid("canary-weight", "50%", "invalid number");
  Error error = MustFail(Ann({{"canary", "true"}, {"canary-weight-total", "0"}}));
  EXPECT_EQ(error.field, Field("canary-weight-total"));
}

TEST(Canary, WeightAboveTotalIsRefused) {
  Error error = MustFail(Ann({{"canary", "true"}, {"canary-weight", "101"}}));
  EXPECT_EQ(error.field, Field("canary-weight"));
  EXPECT_NE(error.message.find("larger than canary-weight-total 100"), std::string::npos);
  EXPECT_EQ(MustParse(Ann({{"canary", "true"}, {"canary-weight", "100"}})).canary.weight, 100u);
}

TEST(Canary, KeysWithoutCanaryTrueAreRefused) {
  for (auto [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"canary-by-header", "x"},
                                                        {"canary-by-header-value", "x"},
                                                        {"canary-by-header-pattern", "x"},
                                                        {"canary-by-cookie", "x"},
                                                        {"canary-weight", "10"}}) {
    SCOPED_TRACE(key);
    Error error = MustFail(Ann({{key, value}}));
    EXPECT_EQ(error.field, Field("canary"));
    error = MustFail(Ann({{"canary", "false"}, {key, value}}));
    EXPECT_EQ(error.field, Field("canary"));
  }
  // A zero weight configures nothing.
  EXPECT_FALSE(MustParse(Ann({{"canary-weight", "0"}})).canary.enabled);
}

TEST(Errors, Defaults) {
  ErrorPolicy errors = MustParse(Ann({})).errors;
  EXPECT_EQ(errors.default_backend, "");
  EXPECT_TRUE(errors.custom_http_errors.empty());
  EXPECT_TRUE(errors.access_log);
}

TEST(Errors, DefaultBackend) {
  EXPECT_EQ(MustParse(Ann({{"default-backend", "error-pages"}})).errors.default_backend,
            "error-pages");
  EXPECT_EQ(MustParse(Ann({{"default-backend", "shop/error-pages"}})).errors.default_backend,
            "error-pages");
  ExpectInvalid("default-backend", "other/error-pages", "service in another namespace");
  ExpectInvalid("default-backend", "Error_Pages", "want a Service name");
  ExpectInvalid("default-backend", "1pages", "want a Service name");
}

TEST(Errors, CustomHttpErrors) {
  EXPECT_EQ(MustParse(Ann({{"custom-http-errors", "503, 404,404,500"}})).errors.custom_http_errors,
            (std::vector<uint16_t>{404, 500, 503}));
  for (const char* bad : {"399", "600", "404,,500", "abc", "404;500", "200"}) {
    ExpectInvalid("custom-http-errors", bad, "want 400 to 599");
  }
}

TEST(Errors, AccessLog) {
  EXPECT_FALSE(MustParse(Ann({{"enable-access-log", "false"}})).errors.access_log);
  ExpectInvalid("enable-access-log", "off", "invalid boolean");
}

}  // namespace
}  // namespace waygate::annotations
