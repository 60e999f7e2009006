// config/README.md documents every key of [host] and [listener.<name>] that the host's key tables
// declare (and no key they do not), so that the reference cannot drift from the code.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "config/host_keys.hpp"

namespace {

// The text of the README section that starts with `heading`, up to the next "## ".
std::string section(const std::string& readme, const std::string& heading) {
  size_t start = readme.find(heading);
  if (start == std::string::npos) return "";
  size_t end = readme.find("\n## ", start + heading.size());
  return readme.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Every `name` in the first column of the section's table.
std::set<std::string> documentedKeys(const std::string& text) {
  std::set<std::string> out;
  std::istringstream lines(text);
  std::string line;
  const std::regex code("`([a-z_]+)`");
  while (std::getline(lines, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    std::string first = line.substr(1, line.find('|', 1) - 1);
    for (std::sregex_iterator it(first.begin(), first.end(), code), end; it != end; ++it)
      out.insert((*it)[1]);
  }
  return out;
}

std::set<std::string> names(const std::vector<wharf_config_key>& table) {
  std::set<std::string> out;
  for (auto& k : table) out.insert(k.name);
  return out;
}

}  // namespace

TEST(ConfigReference, ListsEveryHostAndListenerKey) {
  std::ifstream in(WHARF_CONFIG_README);
  ASSERT_TRUE(in) << WHARF_CONFIG_README;
  std::stringstream all;
  all << in.rdbuf();
  const std::string readme = all.str();
  EXPECT_EQ(documentedKeys(section(readme, "## `[host]`")), names(wharf::host::hostKeyTable()));
  EXPECT_EQ(documentedKeys(section(readme, "## `[listener.<name>]`")),
            names(wharf::host::listenerKeyTable()));
}
