#include "apistatus/api_status.h"

#include <gtest/gtest.h>

namespace waygate::apistatus {
namespace {

TEST(ToBody, UnauthorizedMatchesKubeApiserverBytes) {
  // Captured from a kube-apiserver 401 (nmap service probe, Content-Length: 129).
  ApiStatus s{401, "Unauthorized", "Unauthorized", nullptr};
  std::string body = ToBody(s);
  EXPECT_EQ(body, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                  R"("message":"Unauthorized","reason":"Unauthorized","code":401})"
                  "\n");
  EXPECT_EQ(body.size(), 129u);  // the captured Content-Length, which counts the newline
}

TEST(ToBody, WritesDetailsInMetaV1FieldOrderAndDropsEmptyFields) {
  nlohmann::json details = {{"kind", "pods"},
                            {"causes", nlohmann::json::array()},
                            {"name", "p"},
                            {"group", ""},
                            {"retryAfterSeconds", 0},
                            {"uid", ""}};
  ApiStatus s{404, "NotFound", "m", details};
  EXPECT_EQ(ToBody(s), R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                       R"("message":"m","reason":"NotFound","details":{"name":"p","kind":"pods"},)"
                       R"("code":404})"
                       "\n");
}

TEST(ToBody, CauseKeysAreReasonMessageField) {
  nlohmann::json details = {
      {"causes", {{{"field", "spec"}, {"message", "Required value"}, {"reason", "R"}}}}};
  ApiStatus s{422, "Invalid", "x", details};
  EXPECT_NE(
      ToBody(s).find(
          R"("details":{"causes":[{"reason":"R","message":"Required value","field":"spec"}]})"),
      std::string::npos);
}

TEST(ToBody, NullDetailsAreOmittedButAnEmptyObjectIsWritten) {
  ApiStatus none{400, "BadRequest", "b", nullptr};
  EXPECT_EQ(ToBody(none).find("details"), std::string::npos);
  ApiStatus empty{403, "Forbidden", "f", nlohmann::json::object()};
  EXPECT_NE(ToBody(empty).find(R"("details":{},"code":403)"), std::string::npos);
}

TEST(ToBody, EscapesHtmlCharactersAndLineSeparatorsLikeGo) {
  ApiStatus s{500, "InternalError",
              "a<b>&c\xe2\x80\xa8"
              "d",
              nullptr};
  EXPECT_NE(ToBody(s).find(R"("message":"a\u003cb\u003e\u0026c\u2028d")"), std::string::npos);
}

TEST(ToBody, ReplacesInvalidUtf8InsteadOfThrowing) {
  ApiStatus s{400, "BadRequest", "bad \xff byte", nullptr};
  EXPECT_NE(ToBody(s).find("\"message\":\"bad \xef\xbf\xbd byte\""), std::string::npos);
}

TEST(ToJson, HoldsTheSameFields) {
  ApiStatus s{409, "Conflict", "c", {{"name", "web"}, {"kind", "ingresses"}}};
  nlohmann::json j = ToJson(s);
  EXPECT_EQ(j["kind"], "Status");
  EXPECT_EQ(j["apiVersion"], "v1");
  EXPECT_EQ(j["metadata"], nlohmann::json::object());
  EXPECT_EQ(j["status"], "Failure");
  EXPECT_EQ(j["message"], "c");
  EXPECT_EQ(j["reason"], "Conflict");
  EXPECT_EQ(j["code"], 409);
  EXPECT_EQ(j["details"], (nlohmann::json{{"name", "web"}, {"kind", "ingresses"}}));
  EXPECT_EQ(j.size(), 8u);
}

}  // namespace
}  // namespace waygate::apistatus
