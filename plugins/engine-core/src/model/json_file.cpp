#include "engine/model/json_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

JsonDocument readJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(WHARF_ERR_NOT_FOUND, "'" + path + "': cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parseJson<JsonDocument>(text.str());
  } catch (const Error& e) {
    throw Error(WHARF_ERR_DATA, "'" + path + "': not valid JSON: " + e.what());
  }
}

std::optional<JsonDocument> readOptionalJsonFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  return readJsonFile(path);
}

void writeTextFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) throw Error(WHARF_ERR_IO, "cannot write '" + path + "'");
}

}  // namespace wharf::engine
