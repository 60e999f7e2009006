// Walks the repositories tree: every directory holding `_manifests` (or, for maintenance, also
// `_layers` or `_uploads`) is a repository; directories starting with '_' are not descended.
#pragma once

#include <string>
#include <vector>

#include "store.hpp"

namespace wharf::registry {

// Sorted repository names. With `any_content`, repositories holding only layers or uploads count.
std::vector<std::string> listRepositories(const Store& store, bool any_content = false);

}  // namespace wharf::registry
