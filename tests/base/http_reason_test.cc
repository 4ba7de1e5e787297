#include "base/http_reason.h"

#include <gtest/gtest.h>

#include <string>

namespace waygate {
namespace {

std::string Phrase(int status) { return HttpReasonPhrase(status); }

TEST(HttpReasonPhrase, StatusesTheApiServerSends) {
  EXPECT_EQ(Phrase(100), "Continue");
  EXPECT_EQ(Phrase(200), "OK");
  EXPECT_EQ(Phrase(201), "Created");
  EXPECT_EQ(Phrase(202), "Accepted");
  EXPECT_EQ(Phrase(204), "No Content");
  EXPECT_EQ(Phrase(304), "Not Modified");
  EXPECT_EQ(Phrase(401), "Unauthorized");
  EXPECT_EQ(Phrase(403), "Forbidden");
  EXPECT_EQ(Phrase(406), "Not Acceptable");
  EXPECT_EQ(Phrase(409), "Conflict");
  EXPECT_EQ(Phrase(410), "Gone");
  EXPECT_EQ(Phrase(415), "Unsupported Media Type");
  EXPECT_EQ(Phrase(422), "Unprocessable Entity");
  EXPECT_EQ(Phrase(429), "Too Many Requests");
}

TEST(HttpReasonPhrase, StatusesTheGatewayAndAdminEndpointSend) {
  EXPECT_EQ(Phrase(400), "Bad Request");
  EXPECT_EQ(Phrase(404), "Not Found");
  EXPECT_EQ(Phrase(405), "Method Not Allowed");
  EXPECT_EQ(Phrase(408), "Request Timeout");
  EXPECT_EQ(Phrase(414), "URI Too Long");
  EXPECT_EQ(Phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(Phrase(500), "Internal Server Error");
  EXPECT_EQ(Phrase(501), "Not Implemented");
  EXPECT_EQ(Phrase(502), "Bad Gateway");
  EXPECT_EQ(Phrase(503), "Service Unavailable");
  EXPECT_EQ(Phrase(504), "Gateway Timeout");
  EXPECT_EQ(Phrase(505), "HTTP Version Not Supported");
}

TEST(HttpReasonPhrase, TooLargeIsWordedAsGoAndNginxWordIt) {
  EXPECT_EQ(Phrase(413), "Request Entity Too Large");
}

TEST(HttpReasonPhrase, StatusesOutsideTheTableAreUnknown) {
  EXPECT_EQ(Phrase(0), "Unknown");
  EXPECT_EQ(Phrase(299), "Unknown");
  EXPECT_EQ(Phrase(599), "Unknown");
}

}  // namespace
}  // namespace waygate
