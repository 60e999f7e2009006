// Errors in the OpenAI format: {"error":{"message","type","param","code"}}.
#pragma once

#include <stdexcept>
#include <string>

namespace wharf::inference {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string message, std::string param = {})
      : std::runtime_error(message), status_(status), param_(std::move(param)) {}
  int status() const { return status_; }
  const std::string& param() const { return param_; }
  // "BadRequestError", "NotFoundError", ... as the OpenAI SDK names them.
  std::string type() const;
  std::string json() const;

 private:
  int status_;
  std::string param_;
};

inline ApiError badRequest(const std::string& message, const std::string& param = {}) {
  return ApiError(400, message, param);
}

}  // namespace wharf::inference
