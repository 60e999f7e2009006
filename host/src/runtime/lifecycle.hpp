// Process lifecycle: signal handling (SIGTERM/SIGINT drain and stop, SIGHUP reload) and the
// systemd notify protocol (READY=1, STOPPING=1, WATCHDOG=1 while the host is not stalled).
#pragma once

#include <csignal>

namespace wharf::host {

class Server;

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread; call before any thread starts so
// every thread inherits the mask and only runUntilStopped() receives them.
void blockLifecycleSignals();

// Notifies systemd, runs the watchdog, handles signals until SIGTERM/SIGINT, then drains
// (bounded by [host] drain_timeout) and stops the server. Returns the process exit code.
int runUntilStopped(Server& server);

}  // namespace wharf::host
