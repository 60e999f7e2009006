#include "repositories.hpp"

#include <algorithm>
#include <functional>

#include "layout.hpp"

namespace wharf::registry {

std::vector<std::string> listRepositories(const Store& store, bool any_content) {
  std::vector<std::string> out;
  std::function<void(const std::string&, const std::string&)> walk = [&](const std::string& dir,
                                                                         const std::string& name) {
    bool isRepo = false;
    std::vector<std::string> children;
    for (auto& e : store.list(dir)) {
      if (!e.is_dir) continue;
      if (e.name == "_manifests" || (any_content && (e.name == "_layers" || e.name == "_uploads")))
        isRepo = true;
      else if (!e.name.empty() && e.name[0] != '_')
        children.push_back(e.name);
    }
    if (isRepo && !name.empty()) out.push_back(name);
    for (auto& c : children) walk(dir + "/" + c, name.empty() ? c : name + "/" + c);
  };
  walk(layout::repositoriesDir(), "");
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace wharf::registry
