// The keys of [host] and [listener.<name>] as key tables, like a plugin's: names, types, defaults
// and help, declared once. parseHostConfig fills every default from here, `wharfd plugins`
// prints them, and a test keeps config/README.md listing every one.
#pragma once

#include <string>
#include <vector>

#include "wharf/plugin.h"

namespace wharf::host {

const std::vector<wharf_config_key>& hostKeyTable();
const std::vector<wharf_config_key>& listenerKeyTable();
// The key of `table` named `name`, or nullptr.
const wharf_config_key* findKey(const std::vector<wharf_config_key>& table,
                                const std::string& name);

}  // namespace wharf::host
