#pragma once
namespace waygate::cmd {
// Blocks SIGINT/SIGTERM/SIGPIPE in the calling thread (call before starting threads so they
// inherit the mask); SIGPIPE stays ignored because every socket write checks EPIPE itself.
void BlockTerminationSignals();
// Waits for SIGINT or SIGTERM; returns the signal number.
int WaitForTermination();
}  // namespace waygate::cmd
