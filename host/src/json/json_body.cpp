#include "json/json_body.hpp"

namespace wharf::host {

std::string to_json_text(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string host_error_json(int status, const std::string& type, const std::string& message) {
  return to_json_text({{"error", {{"message", message}, {"type", type}, {"code", status}}}});
}

}  // namespace wharf::host
