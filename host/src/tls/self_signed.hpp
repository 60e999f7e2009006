// Self-signed TLS material for `tls = self-signed`: an ECDSA P-256 key and a 10-year X.509
// certificate for localhost, 127.0.0.1, ::1 and the machine's host name, generated with OpenSSL
// on first start and reused afterwards.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace wharf::host {

// Returns {cert_path, key_path} under `dir`, creating them when missing. Throws std::runtime_error.
std::pair<std::string, std::string> ensureSelfSigned(const std::string& dir,
                                                     const std::string& name,
                                                     const std::vector<std::string>& extra_names);

}  // namespace wharf::host
