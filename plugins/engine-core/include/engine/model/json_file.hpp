// Reads and parses a JSON file, or writes a text file; errors name the file.
#pragma once

#include <optional>
#include <string>

#include "engine/json.hpp"

namespace wharf::engine {

// Throws wharf::Error: NOT_FOUND when the file cannot be opened, DATA when it is not JSON.
JsonDocument readJsonFile(const std::string& path);
// std::nullopt when the file does not exist; otherwise as readJsonFile.
std::optional<JsonDocument> readOptionalJsonFile(const std::string& path);

// Writes `text` to `path` (replacing it); throws wharf::Error(IO) naming the file.
void writeTextFile(const std::string& path, const std::string& text);

}  // namespace wharf::engine
