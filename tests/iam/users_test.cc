// User admission and redaction: hashing, keeping a stored hash, refusing planted hashes, the
// last-applied-configuration copy, defaults and validation errors.
#include "iam/users.h"

#include <gtest/gtest.h>

#include "auth/password.h"

namespace waygate::iam {
namespace {

using nlohmann::json;

constexpr char kClear[] = "s3cret-passw0rd";

json User(const std::string& name, json spec) {
  return json{{"apiVersion", "iam.kubesphere.io/v1alpha2"},
              {"kind", "User"},
              {"metadata", {{"name", name}}},
              {"spec", std::move(spec)}};
}

// What kubectl's client-side apply sends: the manifest, plus itself in the annotation.
json Applied(json user) {
  json copy = user;
  user["metadata"]["annotations"][std::string(kLastApplied)] = copy.dump() + "\n";
  return user;
}

std::string Errors(const std::vector<Error>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.ToString() + "\n";
  return out;
}

json Admitted(json user, const json* old = nullptr, bool* changed = nullptr) {
  auto errors = AdmitUser(user, old, changed);
  EXPECT_TRUE(errors.empty()) << Errors(errors);
  return user;
}

TEST(UsersTest, ClearPasswordIsHashedAndMarked) {
  bool changed = false;
  json user = Admitted(User("alice", {{"email", "alice@example.com"}, {"password", kClear}}),
                       nullptr, &changed);
  EXPECT_TRUE(changed);
  std::string hash = user["spec"]["password"];
  EXPECT_TRUE(auth::IsBcryptHash(hash));
  EXPECT_EQ(hash.substr(0, 7), "$2b$10$");
  EXPECT_TRUE(auth::VerifyPassword(kClear, hash));
  EXPECT_EQ(StoredPasswordHash(user), hash);
  EXPECT_EQ(user["metadata"]["annotations"][std::string(kPasswordEncrypted)], "true");
  EXPECT_EQ(user["spec"]["email"], "alice@example.com");
  EXPECT_EQ(user.dump().find(kClear), std::string::npos);
}

TEST(UsersTest, StatusStateDefaultsToActive) {
  json user = Admitted(User("alice", json::object()));
  EXPECT_EQ(user["status"]["state"], "Active");
  EXPECT_TRUE(IsActive(user));

  json disabled = User("bob", json::object());
  disabled["status"]["state"] = "Disabled";
  disabled = Admitted(disabled);
  EXPECT_EQ(disabled["status"]["state"], "Disabled");
  EXPECT_FALSE(IsActive(disabled));
}

TEST(UsersTest, UserWithoutPasswordHasNoHash) {
  json user = Admitted(User("robot", {{"email", "robot@example.com"}}));
  EXPECT_FALSE(user["spec"].contains("password"));
  EXPECT_EQ(StoredPasswordHash(user), "");
  EXPECT_FALSE(user["metadata"].contains("annotations") &&
               user["metadata"]["annotations"].contains(std::string(kPasswordEncrypted)));
}

TEST(UsersTest, UpdateWithoutPasswordKeepsTheStoredHash) {
  json old = Admitted(User("alice", {{"password", kClear}}));
  bool changed = true;
  json update = Admitted(User("alice", {{"email", "new@example.com"}}), &old, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(StoredPasswordHash(update), StoredPasswordHash(old));
  EXPECT_EQ(update["metadata"]["annotations"][std::string(kPasswordEncrypted)], "true");
}

TEST(UsersTest, UpdateCarryingTheStoredHashKeepsIt) {
  json old = Admitted(User("alice", {{"password", kClear}}));
  bool changed = true;
  json update = Admitted(User("alice", {{"password", StoredPasswordHash(old)}}), &old, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(StoredPasswordHash(update), StoredPasswordHash(old));
}

TEST(UsersTest, SameClearPasswordAgainKeepsTheHashAndANewOneReplacesIt) {
  json old = Admitted(User("alice", {{"password", kClear}}));
  bool changed = true;
  json same = Admitted(User("alice", {{"password", kClear}}), &old, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(StoredPasswordHash(same), StoredPasswordHash(old));

  json other = Admitted(User("alice", {{"password", "another-passw0rd"}}), &old, &changed);
  EXPECT_TRUE(changed);
  EXPECT_NE(StoredPasswordHash(other), StoredPasswordHash(old));
  EXPECT_TRUE(auth::VerifyPassword("another-passw0rd", StoredPasswordHash(other)));
  EXPECT_FALSE(auth::VerifyPassword(kClear, StoredPasswordHash(other)));
}

TEST(UsersTest, PlantedHashIsRefused) {
  // Someone who knows the password of this hash must not be able to install it.
  const std::string planted = "$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e";
  json create = User("mallory", {{"password", planted}});
  bool changed = true;
  auto errors = AdmitUser(create, nullptr, &changed);
  ASSERT_EQ(errors.size(), 1u) << Errors(errors);
  EXPECT_EQ(errors[0].code, ErrorCode::kInvalid);
  EXPECT_EQ(errors[0].ToString(), "spec.password: must be the clear text; hashes are not accepted");
  EXPECT_FALSE(changed);

  json old = Admitted(User("alice", {{"password", kClear}}));
  json update = User("alice", {{"password", planted}});
  errors = AdmitUser(update, &old, &changed);
  ASSERT_EQ(errors.size(), 1u) << Errors(errors);
  EXPECT_EQ(errors[0].field, "spec.password");
}

TEST(UsersTest, LastAppliedConfigurationLosesThePassword) {
  json user = Admitted(Applied(User("alice", {{"email", "a@example.com"}, {"password", kClear}})));
  std::string annotation = user["metadata"]["annotations"][std::string(kLastApplied)];
  json applied = json::parse(annotation);
  EXPECT_FALSE(applied["spec"].contains("password"));
  EXPECT_EQ(applied["spec"]["email"], "a@example.com");
  EXPECT_EQ(applied["metadata"]["name"], "alice");
  EXPECT_EQ(user.dump().find(kClear), std::string::npos);
}

TEST(UsersTest, LastAppliedWithoutPasswordIsKeptByteForByte) {
  json user = Applied(User("alice", {{"email", "a@example.com"}}));
  std::string before = user["metadata"]["annotations"][std::string(kLastApplied)];
  user = Admitted(user);
  EXPECT_EQ(user["metadata"]["annotations"][std::string(kLastApplied)], before);
}

TEST(UsersTest, UnparseableLastAppliedIsDropped) {
  json user = User("alice", {{"password", kClear}});
  user["metadata"]["annotations"][std::string(kLastApplied)] =
      std::string("{\"spec\":{\"password\":\"") + kClear + "\"";  // cut short
  user["metadata"]["annotations"]["keep"] = "me";
  user = Admitted(user);
  EXPECT_FALSE(user["metadata"]["annotations"].contains(std::string(kLastApplied)));
  EXPECT_EQ(user["metadata"]["annotations"]["keep"], "me");
  EXPECT_EQ(user.dump().find(kClear), std::string::npos);
}

TEST(UsersTest, RedactRemovesThePasswordEverywhere) {
  json stored = Admitted(User("alice", {{"email", "a@example.com"}, {"password", kClear}}));
  // An object stored before stripping existed still holds the clear copy.
  json copy = User("alice", {{"password", kClear}});
  stored["metadata"]["annotations"][std::string(kLastApplied)] = copy.dump();
  RedactUser(stored);
  EXPECT_FALSE(stored["spec"].contains("password"));
  EXPECT_EQ(stored["spec"]["email"], "a@example.com");
  EXPECT_EQ(stored.dump().find(kClear), std::string::npos);
  EXPECT_EQ(stored.dump().find("$2b$"), std::string::npos);
  json applied =
      json::parse(std::string(stored["metadata"]["annotations"][std::string(kLastApplied)]));
  EXPECT_EQ(applied["metadata"]["name"], "alice");
}

TEST(UsersTest, ValidationErrorsNameTheirFields) {
  struct Case {
    json user;
    std::string field;
  };
  json bad_state = User("alice", json::object());
  bad_state["status"]["state"] = "Locked";
  json no_name = User("", json::object());
  std::vector<Case> cases = {
      {User("alice", {{"email", "no-at-sign"}}), "spec.email"},
      {User("alice", {{"email", "a@b@example.com"}}), "spec.email"},
      {User("alice", {{"email", "@example.com"}}), "spec.email"},
      {User("alice", {{"email", "alice@"}}), "spec.email"},
      {User("alice", {{"email", "al ice@example.com"}}), "spec.email"},
      {User("alice", {{"email", 42}}), "spec.email"},
      {User("alice", {{"password", "short12"}}), "spec.password"},
      {User("alice", {{"password", std::string(73, 'x')}}), "spec.password"},
      {User("alice", {{"password", std::string("abcd\0efgh", 9)}}), "spec.password"},
      {User("alice", {{"password", 12345678}}), "spec.password"},
      {User("Alice_Smith", json::object()), "metadata.name"},
      {no_name, "metadata.name"},
      {bad_state, "status.state"},
  };
  for (auto& c : cases) {
    std::string input = c.user.dump();
    bool changed = true;
    auto errors = AdmitUser(c.user, nullptr, &changed);
    ASSERT_EQ(errors.size(), 1u) << input << "\n" << Errors(errors);
    EXPECT_EQ(errors[0].code, ErrorCode::kInvalid) << input;
    EXPECT_EQ(errors[0].field, c.field) << input;
    EXPECT_FALSE(changed) << input;
    EXPECT_EQ(errors[0].message.find("short12"), std::string::npos);
  }
}

TEST(UsersTest, ErrorMessagesFollowKubernetesWording) {
  json user = User("alice", {{"email", "nope"}});
  user["status"]["state"] = "Locked";
  auto errors = AdmitUser(user, nullptr, nullptr);
  ASSERT_EQ(errors.size(), 2u) << Errors(errors);
  EXPECT_EQ(errors[0].ToString(),
            "spec.email: Invalid value: \"nope\": must be a valid email address");
  EXPECT_EQ(
      errors[1].ToString(),
      "status.state: Unsupported value: \"Locked\": supported values: \"Active\", \"Disabled\"");
}

TEST(UsersTest, PasswordLengthCountsCharactersAndBytes) {
  // Eight characters, sixteen bytes: long enough.
  json user = Admitted(User("ivan", {{"password", "пароль12"}}));
  EXPECT_TRUE(auth::VerifyPassword("пароль12", StoredPasswordHash(user)));
  json longest = Admitted(User("max", {{"password", std::string(72, 'x')}}));
  EXPECT_FALSE(StoredPasswordHash(longest).empty());
}

TEST(UsersTest, NothingIsHashedWhenTheObjectIsRefused) {
  json user = User("alice", {{"email", "nope"}, {"password", kClear}});
  bool changed = true;
  auto errors = AdmitUser(user, nullptr, &changed);
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_FALSE(changed);
  EXPECT_FALSE(auth::IsBcryptHash(user["spec"].value("password", "")));
}

TEST(UsersTest, NewUserIsAnAdmittableActiveUser) {
  auto hash = auth::HashPassword(kClear, 4);
  ASSERT_TRUE(hash.ok());
  json admin = NewUser("admin", "admin@kubesphere.io", *hash);
  EXPECT_EQ(admin["apiVersion"], "iam.kubesphere.io/v1alpha2");
  EXPECT_EQ(admin["kind"], "User");
  EXPECT_EQ(admin["metadata"]["name"], "admin");
  EXPECT_EQ(admin["spec"]["email"], "admin@kubesphere.io");
  EXPECT_EQ(StoredPasswordHash(admin), *hash);
  EXPECT_EQ(admin["metadata"]["annotations"][std::string(kPasswordEncrypted)], "true");
  EXPECT_TRUE(IsActive(admin));

  // Written through admission (a create with no old object) a fresh hash would be refused as
  // planted; as an update of itself it is kept.
  bool changed = true;
  json again = admin;
  EXPECT_TRUE(AdmitUser(again, &admin, &changed).empty());
  EXPECT_FALSE(changed);
  EXPECT_EQ(StoredPasswordHash(again), *hash);
}

TEST(UsersTest, StoredPasswordHashIgnoresWhatIsNotBcrypt) {
  EXPECT_EQ(StoredPasswordHash(User("a", {{"password", kClear}})), "");
  EXPECT_EQ(StoredPasswordHash(User("a", json::object())), "");
  EXPECT_EQ(StoredPasswordHash(json::array()), "");
  EXPECT_EQ(StoredPasswordHash(NewUser("a", "", "")), "");
}

}  // namespace
}  // namespace waygate::iam
