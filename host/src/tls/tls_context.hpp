// The NetSSL server context of a TLS listener: certificate files or self-signed material,
// TLS 1.2 minimum (1.3 when asked), modern ciphers.
#pragma once

#include <Poco/Net/Context.h>

#include <string>

#include "config/host_config.hpp"

namespace wharf::host {

Poco::Net::Context::Ptr makeServerTlsContext(const ListenerConfig& listener,
                                             const std::string& data_dir);

}  // namespace wharf::host
