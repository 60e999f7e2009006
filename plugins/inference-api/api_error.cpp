#include "api_error.hpp"

#include "wharf/cpp/json.hpp"

namespace wharf::inference {

std::string ApiError::type() const {
  switch (status_) {
    case 400:
      return "BadRequestError";
    case 401:
      return "AuthenticationError";
    case 403:
      return "PermissionDeniedError";
    case 404:
      return "NotFoundError";
    case 405:
      return "MethodNotAllowedError";
    case 413:
      return "RequestTooLargeError";
    case 429:
      return "RateLimitError";
    case 503:
      return "ServiceUnavailableError";
    default:
      return status_ >= 500 ? "InternalServerError" : "BadRequestError";
  }
}

std::string ApiError::json() const {
  const Json param = param_.empty() ? Json(nullptr) : Json(param_);
  return toJsonText(
      Json{{"error", {{"message", what()}, {"type", type()}, {"param", param}, {"code", status_}}},
           {"object", "error"},
           {"message", what()},
           {"type", type()},
           {"code", status_}});
}

}  // namespace wharf::inference
