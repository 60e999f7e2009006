// Registry errors: the OCI distribution error codes, their HTTP status and the JSON error body
// ({"errors":[{"code","message","detail"}]}).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace wharf::registry {

enum class ErrorCode {
  BlobUnknown,
  BlobUploadInvalid,
  BlobUploadUnknown,
  DigestInvalid,
  ManifestBlobUnknown,
  ManifestInvalid,
  ManifestUnknown,
  NameInvalid,
  NameUnknown,
  SizeInvalid,
  Unauthorized,
  Denied,
  Unsupported,
  TooManyRequests,
  Unknown,
  Unavailable,
  RangeInvalid,
  TagInvalid,
  PaginationNumberInvalid,
};

// "BLOB_UNKNOWN", ...
const char* errorCodeName(ErrorCode code);
// The status distribution answers with for `code`.
int defaultStatus(ErrorCode code);
// Distribution's standard message for `code`.
const char* defaultMessage(ErrorCode code);

// Thrown by handlers; answered as an OCI error body by the service.
class RegistryError : public std::runtime_error {
 public:
  explicit RegistryError(ErrorCode code, std::string detail = {}, int status = 0);
  RegistryError(ErrorCode code, int status, std::string message, std::string detail);

  ErrorCode code() const { return code_; }
  int status() const { return status_; }
  const std::string& detail() const { return detail_; }
  // Extra response headers (WWW-Authenticate with a 401, Range with a 416, ...).
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  RegistryError& withHeader(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  RegistryError& withChallenge(std::string c) {
    if (!c.empty()) withHeader("WWW-Authenticate", std::move(c));
    return *this;
  }

 private:
  ErrorCode code_;
  int status_;
  std::string detail_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

// The JSON error body for one error; `detail` is sent as a JSON string when not empty.
std::string errorBody(ErrorCode code, const std::string& message, const std::string& detail);

}  // namespace wharf::registry
