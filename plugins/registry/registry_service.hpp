// RegistryService: the `registry` http-service. Claims /v2/, validates the repository name, asks
// the auth gate, dispatches to the handlers, answers errors in the OCI format, records metrics,
// runs maintenance (upload purge, online GC) and the offline `gc` command.
#pragma once

#include <memory>

#include "maintenance.hpp"
#include "registry_context.hpp"
#include "wharf/cpp/http_service.hpp"

namespace wharf::registry {

class RegistryService : public HttpService {
 public:
  RegistryService(const Config& config, const Host& host);
  ~RegistryService() override;

  std::vector<std::string> routes() override { return {"/v2/"}; }
  void handle(Exchange& ex) override;
  void handleException(Exchange& ex, const std::exception& e) override;
  void health() override;
  bool runCommand(const std::string& command, const std::vector<std::string>& args,
                  const std::function<void(const std::string&)>& out) override;

 private:
  void dispatch(Exchange& ex, const struct ApiPath& p, const std::string& method);

  std::unique_ptr<RegistryContext> ctx_;
  std::unique_ptr<Maintenance> maintenance_;
};

}  // namespace wharf::registry
