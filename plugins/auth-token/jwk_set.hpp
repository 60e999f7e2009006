// A JWK set file ({"keys":[...]}): RSA, EC P-256 and OKP Ed25519 public keys by "kid".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pkey.hpp"

namespace wharf::auth {

class JwkSet {
 public:
  // Throws std::invalid_argument on malformed JSON or an unusable key.
  static JwkSet parse(const std::string& json);
  static JwkSet load(const std::string& path);

  // The key named `kid`; nullptr when unknown.
  Pkey find(const std::string& kid) const;
  const std::vector<Pkey>& all() const { return keys_; }
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, Pkey> by_kid_;
  std::vector<Pkey> keys_;
};

}  // namespace wharf::auth
