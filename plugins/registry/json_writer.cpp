#include "json_writer.hpp"

#include "wharf/cpp/json_string.hpp"

namespace wharf::registry {

std::string jsonString(std::string_view s) { return json_string(s); }

}  // namespace wharf::registry
