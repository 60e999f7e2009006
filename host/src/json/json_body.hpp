// The host's JSON: nlohmann::ordered_json (members in the order written, integers and floats
// apart) for every body and log line it writes, and host_error_json for its error answers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace wharf::host {

using Json = nlohmann::ordered_json;

// Compact text of `j`; invalid UTF-8 in a string (a client's raw path, say) becomes U+FFFD
// instead of an exception.
std::string to_json_text(const Json& j);

// {"error":{"message","type","code"}}: the body of every error the host itself answers.
std::string host_error_json(int status, const std::string& type, const std::string& message);

}  // namespace wharf::host
