// Loads a committed JSON fixture from tests/fixtures/engine.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "engine/json.hpp"
#include "test_model.hpp"

namespace wharf::engine::test {

inline Json loadFixture(const std::string& name) {
  std::ifstream in(fixturePath(name), std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + fixturePath(name));
  std::stringstream ss;
  ss << in.rdbuf();
  return Json::parse(ss.str());
}

inline std::vector<int32_t> intList(const Json& array) {
  std::vector<int32_t> out;
  for (const Json& v : array) out.push_back(static_cast<int32_t>(v.get<int64_t>()));
  return out;
}

}  // namespace wharf::engine::test
