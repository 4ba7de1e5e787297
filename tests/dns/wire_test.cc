#include "dns/wire.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns_message.h"

namespace waygate::dns {
namespace {

using testing::Decode;
using testing::Header;
using testing::Message;
using testing::Opt;
using testing::Question;
using testing::Reader;
using testing::WireName;

constexpr uint16_t kA = 1, kSoa = 6, kAaaa = 28, kOpt = 41;

std::shared_ptr<const Zone> TestZone(size_t many = 100) {
  ZoneSpec spec;
  spec.ttl = 42;
  spec.serial = 7;
  spec.hosts = {{"demo.kubesphere.io", {"192.168.0.10"}}, {"v6.example.net", {"2001:db8::1"}}};
  HostEntry big{"many.example.net", {}};
  for (size_t i = 0; i < many; ++i)
    big.addresses.push_back("10.9." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1));
  spec.hosts.push_back(big);
  auto z = Zone::Create(spec);
  EXPECT_TRUE(z.ok());
  return *z;
}

Message Ask(const Zone& zone, const std::string& packet, Transport t = Transport::kUdp,
            size_t max_udp = kDefaultUdpPayload) {
  std::optional<std::string> reply = Respond(zone, packet, t, max_udp);
  EXPECT_TRUE(reply.has_value());
  if (!reply) return {};
  if (t == Transport::kUdp) {
    EXPECT_LE(reply->size(), std::max<size_t>(max_udp, 512));
  }
  std::optional<Message> m = Decode(*reply);
  EXPECT_TRUE(m.has_value()) << "undecodable response";
  return m.value_or(Message{});
}

std::string Addr(const std::string& rdata) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(rdata.size() == 4 ? AF_INET : AF_INET6, rdata.data(), buf, sizeof(buf));
  return buf;
}

TEST(Wire, AnswersAWithAaAndRdCopiedAndCaseEchoed) {
  auto z = TestZone();
  Message m = Ask(*z, testing::Query(0xbeef, "App.10.0.0.1.NIP.io", kA));
  EXPECT_EQ(m.id, 0xbeef);
  EXPECT_TRUE(m.qr());
  EXPECT_TRUE(m.aa());
  EXPECT_TRUE(m.rd());
  EXPECT_FALSE(m.ra());
  EXPECT_FALSE(m.tc());
  EXPECT_EQ(m.rcode(), 0);
  EXPECT_EQ(m.qdcount, 1);
  EXPECT_EQ(m.qname, "App.10.0.0.1.NIP.io");
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(m.answers[0].name, "App.10.0.0.1.NIP.io");
  EXPECT_EQ(m.answers[0].type, kA);
  EXPECT_EQ(m.answers[0].klass, 1);
  EXPECT_EQ(m.answers[0].ttl, 42u);
  EXPECT_EQ(Addr(m.answers[0].rdata), "10.0.0.1");
  EXPECT_TRUE(m.authority.empty());
  EXPECT_TRUE(m.additional.empty());

  // RD clear in the query: clear in the answer.
  std::string no_rd = Header(7, 0, 1) + Question("demo.kubesphere.io", kA);
  m = Ask(*z, no_rd);
  EXPECT_FALSE(m.rd());
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(Addr(m.answers[0].rdata), "192.168.0.10");
}

TEST(Wire, AnswersAaaa) {
  auto z = TestZone();
  Message m = Ask(*z, testing::Query(1, "2a01-4f8-c17-b8f--2.sslip.io", kAaaa));
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(m.answers[0].type, kAaaa);
  EXPECT_EQ(Addr(m.answers[0].rdata), "2a01:4f8:c17:b8f::2");
}

// The SOA in authority: owner is the apex, rdata names ns.<apex> and hostmaster.<apex>.
void ExpectSoa(std::string_view packet, const testing::Record& soa, std::string_view apex) {
  EXPECT_EQ(soa.type, kSoa);
  EXPECT_EQ(soa.name, apex);
  EXPECT_EQ(soa.ttl, 42u);
  Reader r(packet);
  size_t at = soa.rdata_offset;
  std::string mname, rname;
  ASSERT_TRUE(r.Name(&at, &mname));
  ASSERT_TRUE(r.Name(&at, &rname));
  EXPECT_EQ(mname, "ns." + std::string(apex));
  EXPECT_EQ(rname, "hostmaster." + std::string(apex));
  ASSERT_EQ(at + 20, soa.rdata_offset + soa.rdata.size());
  uint16_t hi, lo;
  ASSERT_TRUE(r.U16(at, &hi) && r.U16(at + 2, &lo));
  EXPECT_EQ((uint32_t{hi} << 16) | lo, 7u);  // serial
  ASSERT_TRUE(r.U16(at + 16, &hi) && r.U16(at + 18, &lo));
  EXPECT_EQ((uint32_t{hi} << 16) | lo, 42u);  // minimum = negative TTL
}

TEST(Wire, NxDomainCarriesTheApexSoa) {
  auto z = TestZone();
  const std::string q = testing::Query(2, "Foo.NIP.io", kA);
  std::optional<std::string> reply = Respond(*z, q, Transport::kUdp);
  ASSERT_TRUE(reply);
  Message m = *Decode(*reply);
  EXPECT_EQ(m.rcode(), 3);
  EXPECT_TRUE(m.aa());
  EXPECT_TRUE(m.answers.empty());
  ASSERT_EQ(m.authority.size(), 1u);
  ExpectSoa(*reply, m.authority[0], "NIP.io");  // the question's own spelling, compressed
}

TEST(Wire, NoDataCarriesTheApexSoa) {
  auto z = TestZone();
  const std::string q = testing::Query(3, "demo.kubesphere.io", kAaaa);
  std::optional<std::string> reply = Respond(*z, q, Transport::kUdp);
  ASSERT_TRUE(reply);
  Message m = *Decode(*reply);
  EXPECT_EQ(m.rcode(), 0);
  EXPECT_TRUE(m.aa());
  EXPECT_TRUE(m.answers.empty());
  ASSERT_EQ(m.authority.size(), 1u);
  ExpectSoa(*reply, m.authority[0], "demo.kubesphere.io");
}

TEST(Wire, SoaQueryAtTheApex) {
  auto z = TestZone();
  const std::string q = testing::Query(4, "sslip.io", kSoa);
  std::optional<std::string> reply = Respond(*z, q, Transport::kUdp);
  ASSERT_TRUE(reply);
  Message m = *Decode(*reply);
  EXPECT_EQ(m.rcode(), 0);
  ASSERT_EQ(m.answers.size(), 1u);
  ExpectSoa(*reply, m.answers[0], "sslip.io");
  EXPECT_TRUE(m.authority.empty());
}

TEST(Wire, RefusedOutsideAuthorityWithoutAa) {
  auto z = TestZone();
  for (const std::string& q :
       {testing::Query(5, "example.org", kA),
        Header(5, 0x0100, 1) + Question("demo.kubesphere.io", kA, /*CH*/ 3),
        Header(5, 0x0100, 1) + Question("demo.kubesphere.io", /*AXFR*/ 252)}) {
    Message m = Ask(*z, q);
    EXPECT_EQ(m.id, 5);
    EXPECT_EQ(m.rcode(), 5);
    EXPECT_FALSE(m.aa());
    EXPECT_TRUE(m.answers.empty());
    EXPECT_TRUE(m.authority.empty());
  }
  // A label holding a '.' byte is not the dotted name it would print as.
  std::string odd = Header(6, 0, 1) + '\x08' + "10.0.0.1" + WireName("nip.io");
  testing::Put16(&odd, kA);
  testing::Put16(&odd, 1);
  EXPECT_EQ(Ask(*z, odd).rcode(), 5);
}

// Malformed input: no response when even the id is unknowable, FORMERR (header only, id kept)
// otherwise.
TEST(Wire, DropsWhatHasNoHeaderAndResponses) {
  auto z = TestZone();
  EXPECT_FALSE(Respond(*z, "", Transport::kUdp));
  EXPECT_FALSE(Respond(*z, std::string(11, '\0'), Transport::kUdp));
  std::string response = Header(1, 0x8000, 1) + Question("demo.kubesphere.io", kA);
  EXPECT_FALSE(Respond(*z, response, Transport::kUdp));
}

void ExpectFormErr(const Zone& z, const std::string& packet, const char* what) {
  std::optional<std::string> reply = Respond(z, packet, Transport::kUdp);
  ASSERT_TRUE(reply) << what;
  std::optional<Message> m = Decode(*reply);
  ASSERT_TRUE(m) << what;
  EXPECT_EQ(m->id, 0x1234) << what;
  EXPECT_TRUE(m->qr()) << what;
  EXPECT_EQ(m->rcode(), 1) << what;
  EXPECT_EQ(m->qdcount, 0) << what;
  EXPECT_TRUE(m->additional.empty()) << what;
}

TEST(Wire, FormErrForMalformedQueries) {
  auto z = TestZone();
  const std::string q = Question("demo.kubesphere.io", kA);
  ExpectFormErr(*z, Header(0x1234, 0, 0), "no question");
  ExpectFormErr(*z, Header(0x1234, 0, 2) + q + q, "two questions");
  ExpectFormErr(*z, Header(0x1234, 0, 1, 1) + q, "an answer in a query");
  ExpectFormErr(*z, Header(0x1234, 0, 1, 0, 1) + q, "an authority record in a query");
  ExpectFormErr(*z, Header(0x1234, 0, 1, 0, 0, 2) + q + Opt(1232) + Opt(1232), "two OPTs");
  ExpectFormErr(*z, Header(0x1234, 0, 1), "question missing");
  ExpectFormErr(*z, Header(0x1234, 0, 1) + q.substr(0, q.size() - 1), "qclass cut");
  ExpectFormErr(*z, Header(0x1234, 0, 1) + q.substr(0, 10), "name cut");
  ExpectFormErr(*z, Header(0x1234, 0, 1) + q + "x", "trailing byte");
  // A compression pointer in the question: alone (pointing at itself, a loop), after a label.
  ExpectFormErr(*z, Header(0x1234, 0, 1) + std::string("\xc0\x0c\x00\x01\x00\x01", 6),
                "pointer loop");
  ExpectFormErr(*z,
                Header(0x1234, 0, 1) + std::string("\x03"
                                                   "abc\xc0\x0c\x00\x01\x00\x01",
                                                   10),
                "pointer after a label");
  // 0x40 and 0x80 label types (a "label" of 64+ octets) are not allowed.
  ExpectFormErr(*z,
                Header(0x1234, 0, 1) + std::string(1, '\x40') + std::string(64, 'a') +
                    std::string("\x00\x00\x01\x00\x01", 5),
                "64-octet label");
  ExpectFormErr(*z, Header(0x1234, 0, 1) + std::string(1, '\x80') + std::string(10, 'a'),
                "0x80 label type");
  // Four 63-octet labels: 256 octets with the root, one over the limit.
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(1, '\x3f') + std::string(63, 'a');
  ExpectFormErr(*z, Header(0x1234, 0, 1) + long_name + std::string("\x00\x00\x01\x00\x01", 5),
                "name over 255 octets");
  // The longest legal name (255 octets) is fine: REFUSED, not FORMERR.
  std::string max_name;
  for (int i = 0; i < 3; ++i) max_name += std::string(1, '\x3f') + std::string(63, 'a');
  max_name += std::string(1, '\x3d') + std::string(61, 'a');
  ASSERT_EQ(max_name.size() + 1, 255u);
  std::optional<std::string> ok = Respond(
      *z, Header(9, 0, 1) + max_name + std::string("\x00\x00\x01\x00\x01", 5), Transport::kUdp);
  ASSERT_TRUE(ok);
  EXPECT_EQ(Decode(*ok)->rcode(), 5);
}

TEST(Wire, FormErrForMalformedOpt) {
  auto z = TestZone();
  const std::string h = Header(0x1234, 0, 1, 0, 0, 1) + Question("demo.kubesphere.io", kA);
  ExpectFormErr(*z, h, "OPT announced, missing");
  ExpectFormErr(*z, h + Opt(1232).substr(0, 8), "OPT cut");
  std::string named = Opt(1232);
  named[0] = '\x01';
  ExpectFormErr(*z, h + named, "OPT owner not root");
  ExpectFormErr(*z,
                h + Opt(1232, 0, false,
                        std::string("\x00\x0a\x00\x08"
                                    "abcd",
                                    8)),
                "option longer than the record");
  ExpectFormErr(*z, h + Opt(1232, 0, false, std::string("\x00\x0a\x00", 3)), "option cut");
  std::string not_opt = Opt(1232);
  not_opt[2] = 1;  // type 1, not 41
  ExpectFormErr(*z, h + not_opt, "additional record is not OPT");
}

TEST(Wire, NotImpForOtherOpcodes) {
  auto z = TestZone();
  std::optional<std::string> reply =
      Respond(*z, Header(0x4321, 2 << 11, 1) + Question("demo.kubesphere.io", kA), Transport::kUdp);
  ASSERT_TRUE(reply);
  Message m = *Decode(*reply);
  EXPECT_EQ(m.id, 0x4321);
  EXPECT_EQ(m.rcode(), 4);
  EXPECT_EQ((m.flags >> 11) & 0xf, 2);
}

TEST(Wire, EdnsIsAnsweredWithOurPayloadSizeAndTheDoBit) {
  auto z = TestZone();
  const std::string q = Header(8, 0x0100, 1, 0, 0, 1) + Question("demo.kubesphere.io", kA) +
                        Opt(4096, 0, /*dnssec_ok=*/true,
                            std::string("\x00\x0a\x00\x08"
                                        "12345678",
                                        12));
  Message m = Ask(*z, q);
  EXPECT_EQ(m.rcode(), 0);
  ASSERT_EQ(m.answers.size(), 1u);
  ASSERT_EQ(m.additional.size(), 1u);
  EXPECT_EQ(m.additional[0].type, kOpt);
  EXPECT_EQ(m.additional[0].name, "");
  EXPECT_EQ(m.additional[0].klass, 1232);
  EXPECT_EQ(m.additional[0].ttl, 0x8000u);  // ext rcode 0, version 0, DO copied
  // Without OPT in the query there is none in the answer.
  EXPECT_TRUE(Ask(*z, testing::Query(8, "demo.kubesphere.io", kA)).additional.empty());
}

TEST(Wire, UnknownEdnsVersionIsBadVers) {
  auto z = TestZone();
  const std::string q =
      Header(8, 0, 1, 0, 0, 1) + Question("demo.kubesphere.io", kA) + Opt(1232, /*version=*/1);
  Message m = Ask(*z, q);
  EXPECT_EQ(m.rcode(), 0);  // BADVERS = 16: low bits 0 in the header ...
  ASSERT_EQ(m.additional.size(), 1u);
  EXPECT_EQ(m.additional[0].ttl >> 24, 1u);  // ... high bits 1 in the OPT
  EXPECT_TRUE(m.answers.empty());
}

TEST(Wire, UdpAnswersThatDoNotFitAreTruncated) {
  auto z = TestZone(100);  // 100 A records: 16 + 100 * 16 bytes > 1232
  const std::string name = "many.example.net";
  Message plain = Ask(*z, testing::Query(1, name, kA));
  EXPECT_TRUE(plain.tc());
  EXPECT_TRUE(plain.aa());
  EXPECT_LT(plain.answers.size(), 100u);

  std::optional<std::string> edns = Respond(*z, testing::Query(1, name, kA, 4096), Transport::kUdp);
  ASSERT_TRUE(edns);
  EXPECT_LE(edns->size(), 1232u);  // capped at our limit, not the requester's 4096
  EXPECT_GT(edns->size(), 512u);
  Message m = *Decode(*edns);
  EXPECT_TRUE(m.tc());
  EXPECT_EQ(m.additional.size(), 1u);  // OPT survives truncation

  // A requester's size below 512 means 512.
  std::optional<std::string> tiny = Respond(*z, testing::Query(1, name, kA, 100), Transport::kUdp);
  ASSERT_TRUE(tiny);
  EXPECT_GT(tiny->size(), 400u);
  EXPECT_LE(tiny->size(), 512u);

  // A server configured for more takes more.
  std::optional<std::string> big =
      Respond(*z, testing::Query(1, name, kA, 4096), Transport::kUdp, 4096);
  ASSERT_TRUE(big);
  EXPECT_FALSE(Decode(*big)->tc());
  EXPECT_EQ(Decode(*big)->answers.size(), 100u);

  // TCP carries all of it.
  Message tcp = Ask(*z, testing::Query(1, name, kA), Transport::kTcp);
  EXPECT_FALSE(tcp.tc());
  EXPECT_EQ(tcp.answers.size(), 100u);
  EXPECT_EQ(Addr(tcp.answers[99].rdata), "10.9.0.100");
}

TEST(Wire, TcpTruncatesAtTheMessageLimit) {
  auto z = TestZone(5000);  // 5000 * 16 bytes > 65535
  std::optional<std::string> reply =
      Respond(*z, testing::Query(1, "many.example.net", kA), Transport::kTcp);
  ASSERT_TRUE(reply);
  EXPECT_LE(reply->size(), kMaxTcpMessage);
  Message m = *Decode(*reply);
  EXPECT_TRUE(m.tc());
  EXPECT_GT(m.answers.size(), 4000u);
}

TEST(Wire, ParseQueryExposesTheQuestion) {
  Query q;
  const std::string packet =
      Header(3, 0x0100, 1, 0, 0, 1) + Question("A.B.nip.io", kAaaa) + Opt(1400);
  ASSERT_EQ(ParseQuery(packet, &q), ParseStatus::kOk);
  EXPECT_EQ(q.id, 3);
  EXPECT_EQ(q.name, "a.b.nip.io");
  EXPECT_EQ(q.qtype, kAaaa);
  EXPECT_EQ(q.qclass, 1);
  EXPECT_TRUE(q.edns);
  EXPECT_EQ(q.udp_size, 1400);
  EXPECT_EQ(q.question, Question("A.B.nip.io", kAaaa));
  Query root;
  ASSERT_EQ(ParseQuery(Header(3, 0, 1) + Question("", kSoa), &root), ParseStatus::kOk);
  EXPECT_EQ(root.name, "");
  EXPECT_EQ(WireName(""), std::string(1, '\0'));
}

}  // namespace
}  // namespace waygate::dns
