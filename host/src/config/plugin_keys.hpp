// Validation and normalisation of one [plugin.<instance>] value against the plugin's declared
// wharf_config_key. References to instances and listeners are resolved by the instance manager.
#pragma once

#include <string>

#include "wharf/plugin.h"

namespace wharf::host {

// Returns the normalised value (BOOL → "true"/"false", SIZE → bytes, DURATION → seconds, lists
// re-joined with ", "); creates a DIR that is missing. Throws std::invalid_argument.
std::string normalizePluginValue(const wharf_config_key& key, const std::string& raw);

const char* keyTypeName(wharf_key_type type);
bool looksSecret(const std::string& key_name);

}  // namespace wharf::host
