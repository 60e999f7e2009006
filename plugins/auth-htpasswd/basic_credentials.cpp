#include "basic_credentials.hpp"

#include <strings.h>

#include "base64.hpp"

namespace wharf::auth {

std::optional<BasicCredentials> parseBasicAuthorization(const std::string& header) {
  if (header.size() < 6 || ::strncasecmp(header.c_str(), "basic ", 6) != 0) return std::nullopt;
  std::string encoded = header.substr(6);
  while (!encoded.empty() && encoded.front() == ' ') encoded.erase(0, 1);
  while (!encoded.empty() && encoded.back() == ' ') encoded.pop_back();
  auto decoded = base64Decode(encoded);
  if (!decoded) return std::nullopt;
  // crypt(3) reads the password as a C string: "pass\0junk" would verify as "pass".
  if (decoded->find('\0') != std::string::npos) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace wharf::auth
