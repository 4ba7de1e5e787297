// libFuzzer target for the DNS codec and resolver (src/dns: zone, nip, resolve, wire). Input: one
// control byte (bit 0: TCP; bits 1-2: the server's UDP payload cap), then the message bytes.
// Besides "no crash", it checks the contracts: no answer without a readable header; an answer
// keeps the id, has QR set, fits the transport's limit; FORMERR/NOTIMP answers are header-only;
// answers are deterministic; the same bytes read as a name resolve without crashing either.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dns/nip.h"
#include "dns/resolve.h"
#include "dns/wire.h"
#include "dns/zone.h"

namespace {

using namespace waygate::dns;

void Check(bool ok) {
  if (!ok) std::abort();
}

const Zone& TestZone() {
  static const std::shared_ptr<const Zone> zone = [] {
    ZoneSpec spec;
    spec.hosts = {{"demo.kubesphere.io", {"192.168.0.10", "2001:db8::10"}},
                  {"*.apps.example.com", {"172.16.0.5"}},
                  {"pending.example.com", {}}};
    HostEntry many{"many.example.net", {}};
    for (int i = 1; i <= 200; ++i) many.addresses.push_back("10.9.0." + std::to_string(i % 250));
    for (int i = 1; i <= 100; ++i) many.addresses.push_back("2001:db8::" + std::to_string(i));
    spec.hosts.push_back(many);
    auto z = Zone::Create(spec);
    Check(z.ok());
    return *z;
  }();
  return *zone;
}

uint16_t Get16(std::string_view p, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[at]) << 8) |
                               static_cast<uint8_t>(p[at + 1]));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[0];
  const std::string_view packet(reinterpret_cast<const char*>(data + 1), size - 1);
  const Transport transport = (control & 1) ? Transport::kTcp : Transport::kUdp;
  static constexpr size_t kCaps[] = {512, 1232, 4096, 65535};
  const size_t cap = kCaps[(control >> 1) & 3];
  const Zone& zone = TestZone();

  const std::optional<std::string> reply = Respond(zone, packet, transport, cap);
  const std::optional<std::string> again = Respond(zone, packet, transport, cap);
  Check(reply == again);
  if (reply) {
    Check(packet.size() >= 12);
    Check(reply->size() >= 12);
    Check(reply->size() <= (transport == Transport::kTcp ? kMaxTcpMessage : cap));
    Check(Get16(*reply, 0) == Get16(packet, 0));  // id
    Check(Get16(*reply, 2) & 0x8000);             // QR
    const unsigned rcode = Get16(*reply, 2) & 0xf;
    if (rcode == 1 || rcode == 4) {
      Check(reply->size() == 12);
    } else {
      Check(Get16(*reply, 4) == 1);  // the question is echoed
      Query q;
      Check(ParseQuery(packet, &q) == ParseStatus::kOk);
      Check(std::string_view(*reply).substr(12, q.question.size()) == q.question);
    }
  } else {
    Check(packet.size() < 12 || (Get16(packet, 2) & 0x8000));
  }

  // The text path: the same bytes as a presentation-format name.
  const Answer a = Resolve(zone, packet, static_cast<QType>(control % 2 ? 1 : 28));
  Check(a.outcome == Outcome::kRefused ? a.apex.empty() : !a.apex.empty());
  (void)ParseNipAddress(packet);
  return 0;
}
