// The credentials of an "Authorization: Basic <base64(user:password)>" header.
#pragma once

#include <optional>
#include <string>

namespace wharf::auth {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// nullopt when the header is not a well-formed Basic credential.
std::optional<BasicCredentials> parseBasicAuthorization(const std::string& header);

}  // namespace wharf::auth
