// Registration of the `registry` http-service plugin.
#include "registry_service.hpp"
#include "settings.hpp"

extern "C" WHARF_EXPORT const wharf_plugin* wharf_plugin_init(const wharf_host_api*) {
  static const wharf_plugin plugin =
      ::wharf::detail::makeDescriptor<::wharf::registry::RegistryService, ::wharf::HttpService>(
          WHARF_KIND_HTTP_SERVICE, "registry", "0.1.0",
          "OCI Distribution v1.1 registry over a storage instance (distribution's layout)",
          ::wharf::registry::registryConfigKeys(), ::wharf::registry::registryConfigKeyCount(),
          ::wharf::HttpService::table());
  return &plugin;
}
