// Verification of a JWT header's "x5c" certificate chain (base64 DER, leaf first) against a root
// certificate bundle (PEM); yields the leaf's public key.
#pragma once

#include <openssl/x509_vfy.h>

#include <memory>
#include <string>
#include <vector>

#include "pkey.hpp"

namespace wharf::auth {

class RootBundle {
 public:
  // Throws std::invalid_argument when the file holds no certificate.
  static RootBundle load(const std::string& pem_path);
  // The leaf's key when the chain verifies up to a root of this bundle; nullptr otherwise
  // (`why` says why).
  Pkey verify(const std::vector<std::string>& x5c_base64, std::string& why) const;

 private:
  std::shared_ptr<X509_STORE> store_;
};

}  // namespace wharf::auth
