#include "errors.hpp"

#include "wharf/cpp/json.hpp"

namespace wharf::registry {

namespace {
struct CodeInfo {
  const char* name;
  int status;
  const char* message;
};

const CodeInfo& info(ErrorCode code) {
  static const CodeInfo kInfo[] = {
      {"BLOB_UNKNOWN", 404, "blob unknown to registry"},
      {"BLOB_UPLOAD_INVALID", 400, "blob upload invalid"},
      {"BLOB_UPLOAD_UNKNOWN", 404, "blob upload unknown to registry"},
      {"DIGEST_INVALID", 400, "provided digest did not match uploaded content"},
      {"MANIFEST_BLOB_UNKNOWN", 400, "blob unknown to registry"},
      {"MANIFEST_INVALID", 400, "manifest invalid"},
      {"MANIFEST_UNKNOWN", 404, "manifest unknown"},
      {"NAME_INVALID", 400, "invalid repository name"},
      {"NAME_UNKNOWN", 404, "repository name not known to registry"},
      {"SIZE_INVALID", 400, "provided length did not match content length"},
      {"UNAUTHORIZED", 401, "authentication required"},
      {"DENIED", 403, "requested access to the resource is denied"},
      {"UNSUPPORTED", 405, "The operation is unsupported."},
      {"TOOMANYREQUESTS", 429, "too many requests"},
      {"UNKNOWN", 500, "unknown error"},
      {"UNAVAILABLE", 503, "service unavailable"},
      {"RANGE_INVALID", 416, "invalid content range"},
      {"TAG_INVALID", 400, "manifest tag did not match URI"},
      {"PAGINATION_NUMBER_INVALID", 400, "invalid number of results requested"},
  };
  return kInfo[static_cast<int>(code)];
}
}  // namespace

const char* errorCodeName(ErrorCode code) { return info(code).name; }
int defaultStatus(ErrorCode code) { return info(code).status; }
const char* defaultMessage(ErrorCode code) { return info(code).message; }

RegistryError::RegistryError(ErrorCode code, std::string detail, int status)
    : RegistryError(code, status, defaultMessage(code), std::move(detail)) {}

RegistryError::RegistryError(ErrorCode code, int status, std::string message, std::string detail)
    : std::runtime_error(std::move(message)),
      code_(code),
      status_(status ? status : defaultStatus(code)),
      detail_(std::move(detail)) {}

std::string errorBody(ErrorCode code, const std::string& message, const std::string& detail) {
  Json error = {{"code", errorCodeName(code)}, {"message", message}};
  if (!detail.empty()) error["detail"] = detail;
  return toJsonText(Json{{"errors", Json::array({std::move(error)})}}) + "\n";
}

}  // namespace wharf::registry
