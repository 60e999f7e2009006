#include "api_error.hpp"

#include "json_writer.hpp"

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
  JsonWriter w;
  w.begin_object().key("error").begin_object();
  w.field("message", std::string(what())).field("type", type());
  w.key("param");
  if (param_.empty())
    w.null();
  else
    w.value(param_);
  w.field("code", status_).end_object();
  w.field("object", "error")
      .field("message", std::string(what()))
      .field("type", type())
      .field("code", status_);
  return w.end_object().str();
}

}  // namespace wharf::inference
