// Secret files (an admin token, an API key): the secret is the file's first line, trimmed. A file
// that cannot be read, is empty, starts with a blank line, holds a secret with spaces or control
// characters, or has more lines is refused -- never read as "no secret", which would turn the
// check it guards off. Header-only; the host and plugins use the same rule.
#pragma once

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace wharf {

// Throws std::invalid_argument naming the file and what is wrong with it.
inline std::string readSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("secret file '" + path + "' cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::invalid_argument("secret file '" + path + "' cannot be read");
  const size_t nl = text.find('\n');
  std::string secret = text.substr(0, nl);
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!secret.empty() && blank(secret.back())) secret.pop_back();
  size_t lead = 0;
  while (lead < secret.size() && blank(secret[lead])) ++lead;
  secret.erase(0, lead);
  if (secret.empty())
    throw std::invalid_argument("secret file '" + path + "' " +
                                (text.empty() ? "is empty" : "has a blank first line") +
                                ": the secret must be its first line");
  for (char c : secret)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      throw std::invalid_argument("secret file '" + path +
                                  "': the secret contains spaces or control characters");
  if (nl != std::string::npos && text.find_first_not_of(" \t\r\n", nl) != std::string::npos)
    throw std::invalid_argument("secret file '" + path +
                                "' has more than one line: the secret must be its only line");
  return secret;
}

}  // namespace wharf
