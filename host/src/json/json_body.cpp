#include "json/json_body.hpp"

namespace wharf::host {

std::string hostErrorJson(int status, const std::string& type, const std::string& message) {
  return toJsonText({{"error", {{"message", message}, {"type", type}, {"code", status}}}});
}

}  // namespace wharf::host
