#include "proxy/gateway_set.h"

#include <unistd.h>

namespace waygate::proxy {

BoundListener::BoundListener(std::string gateway, std::string name, net::Address address,
                             std::vector<int> fds, uint16_t https_port)
    : gateway_(std::move(gateway)),
      name_(std::move(name)),
      address_(address),
      fds_(std::move(fds)),
      https_port_(https_port) {}

BoundListener::~BoundListener() {
  for (int fd : fds_) ::close(fd);
}

}  // namespace waygate::proxy
