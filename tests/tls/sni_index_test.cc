#include "tls/sni_index.h"

#include <gtest/gtest.h>

#include "tls_fixture.h"

namespace waygate::tls {
namespace {

class SniIndexTest : public testing::TlsFixture {
 protected:
  ServerContextPtr default_ = DefaultContext();
  ServerContextPtr shop_ = Context({"shop.example.com"});
  ServerContextPtr wild_ = Context({"*.example.com"});
  ServerContextPtr other_ = Context({"shop.example.com"});

  std::shared_ptr<const SniIndex> Build(std::vector<SniBinding> b) {
    auto index = SniIndex::Build(std::move(b), default_);
    EXPECT_TRUE(index.ok());
    return *index;
  }
};

TEST_F(SniIndexTest, ExactThenWildcardThenDefault) {
  auto index = Build({{"shop.example.com", "ns", "a", shop_}, {"*.example.com", "ns", "b", wild_}});
  EXPECT_EQ(&index->Lookup("shop.example.com"), shop_.get());
  EXPECT_EQ(&index->Lookup("SHOP.Example.COM"), shop_.get());
  EXPECT_EQ(&index->Lookup("shop.example.com."), shop_.get());
  EXPECT_EQ(&index->Lookup("blog.example.com"), wild_.get());
  EXPECT_EQ(&index->Lookup("Blog.Example.com."), wild_.get());
  EXPECT_EQ(&index->Lookup("a.blog.example.com"), default_.get());  // two labels: no
  EXPECT_EQ(&index->Lookup("example.com"), default_.get());         // the apex: no
  EXPECT_EQ(&index->Lookup(".example.com"), default_.get());
  EXPECT_EQ(&index->Lookup("other.org"), default_.get());
  EXPECT_EQ(&index->Lookup(""), default_.get());
  EXPECT_EQ(&index->Lookup(std::string(300, 'a')), default_.get());
  EXPECT_EQ(index->exact_count(), 1u);
  EXPECT_EQ(index->wildcard_count(), 1u);
  EXPECT_TRUE(index->problems().empty());
}

TEST_F(SniIndexTest, FirstIngressInNamespaceNameOrderWins) {
  std::vector<SniBinding> b = {{"shop.example.com", "zeta", "web", other_},
                               {"Shop.example.com", "alpha", "web", shop_}};
  auto index = Build(b);
  EXPECT_EQ(&index->Lookup("shop.example.com"), shop_.get());
  ASSERT_EQ(index->problems().size(), 1u);
  EXPECT_EQ(index->problems()[0].ingress, "zeta/web");
  EXPECT_NE(index->problems()[0].message.find("alpha/web"), std::string::npos);
  std::swap(b[0], b[1]);  // arrival order does not matter
  EXPECT_EQ(&Build(b)->Lookup("shop.example.com"), shop_.get());
  // The same Secret named by two Ingresses is not a conflict.
  auto same = Build({{"shop.example.com", "a", "x", shop_}, {"shop.example.com", "b", "y", shop_}});
  EXPECT_TRUE(same->problems().empty());
}

TEST_F(SniIndexTest, BadPatternsAreSkippedAndReported) {
  auto index = Build({{"f*.example.com", "ns", "a", wild_},
                      {"*", "ns", "b", wild_},
                      {"", "ns", "c", wild_},
                      {"*.*.example.com", "ns", "d", wild_},
                      {"ok.example.com", "ns", "e", nullptr},
                      {"good.example.com", "ns", "f", shop_}});
  EXPECT_EQ(index->problems().size(), 5u);
  EXPECT_EQ(&index->Lookup("foo.example.com"), default_.get());
  EXPECT_EQ(&index->Lookup("good.example.com"), shop_.get());
  EXPECT_FALSE(SniIndex::Build({}, nullptr).ok());
}

}  // namespace
}  // namespace waygate::tls
