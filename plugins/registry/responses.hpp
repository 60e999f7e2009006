// Response helpers shared by the handlers: empty answers, JSON answers and OCI error bodies.
#pragma once

#include <string>

#include "errors.hpp"
#include "wharf/cpp/http_service.hpp"

namespace wharf::registry {

// Sets the status and remembers it for this thread's request metrics.
void setStatus(Exchange& ex, int status);
// The status last set on this thread (reset to 200 by resetStatus()).
int lastStatus();
void resetStatus();

// A response without a body (Content-Length: 0).
void sendEmpty(Exchange& ex, int status);
void sendJson(Exchange& ex, int status, const std::string& body,
              const std::string& contentType = "application/json");
// The OCI error body for `e`, with its status and any challenge. Nothing when the response has
// started already.
void sendError(Exchange& ex, const RegistryError& e);

}  // namespace wharf::registry
