#include "responses.hpp"

namespace wharf::registry {

namespace {
thread_local int t_status = 200;
}

void setStatus(Exchange& ex, int status) {
  t_status = status;
  ex.status(status);
}
int lastStatus() { return t_status; }
void resetStatus() { t_status = 200; }

void sendEmpty(Exchange& ex, int status) {
  t_status = status;
  ex.respond(status, "", "");
}

void sendJson(Exchange& ex, int status, const std::string& body, const std::string& contentType) {
  t_status = status;
  ex.respond(status, contentType, body);
}

void sendError(Exchange& ex, const RegistryError& e) {
  if (ex.started()) return;
  for (auto& [name, value] : e.headers()) ex.addHeader(name.c_str(), value);
  std::string body = errorBody(e.code(), e.what(), e.detail());
  t_status = e.status();
  ex.respond(e.status(), "application/json; charset=utf-8", body);
}

}  // namespace wharf::registry
