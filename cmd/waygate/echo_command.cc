// `waygate echo --listen ADDR --name NAME`: the demo and test backend.
#include <cstdio>

#include "base/log.h"
#include "commands.h"
#include "echo/server.h"
#include "flags.h"
#include "net/address.h"
#include "signals.h"

namespace waygate::cmd {

int RunEcho(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"listen", "name", "threads"});
  if (!flags.ok()) {
    fprintf(stderr, "waygate echo: %s\nusage: waygate echo --listen ADDR --name NAME\n",
            flags.error().message.c_str());
    return 2;
  }
  auto addr = net::ParseAddress(flags->Get("listen", "127.0.0.1:8080"));
  if (!addr.ok()) {
    fprintf(stderr, "waygate echo: --listen: %s\n", addr.error().message.c_str());
    return 2;
  }
  auto threads = flags->GetInt("threads", 2);
  if (!threads.ok()) {
    fprintf(stderr, "waygate echo: %s\n", threads.error().message.c_str());
    return 2;
  }
  BlockTerminationSignals();
  auto server = echo::Server::Start(*addr, flags->Get("name", "echo"), *threads);
  if (!server.ok()) {
    fprintf(stderr, "waygate echo: %s\n", server.error().ToString().c_str());
    return 1;
  }
  fprintf(stderr, "waygate: listening name=echo address=%s\n",
          (*server)->address().ToString().c_str());
  fflush(stderr);
  WaitForTermination();
  return 0;
}

}  // namespace waygate::cmd
