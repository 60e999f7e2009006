// The host's JSON: nlohmann::ordered_json (members in the order written, integers and floats
// apart) for every body and log line it writes, and hostErrorJson for its error answers.
#pragma once

#include <string>

#include "wharf/cpp/json.hpp"

namespace wharf::host {

using Json = wharf::Json;

using wharf::toJsonText;

// {"error":{"message","type","code"}}: the body of every error the host itself answers.
std::string hostErrorJson(int status, const std::string& type, const std::string& message);

}  // namespace wharf::host
