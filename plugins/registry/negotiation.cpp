#include "negotiation.hpp"

#include <algorithm>

#include "media_types.hpp"

namespace wharf::registry {

std::vector<std::string> parseAccept(std::string_view header) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = header.substr(pos, comma - pos);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    pos = comma + 1;
  }
  return out;
}

std::vector<std::string> acceptedTypes(Exchange& ex) {
  std::vector<std::string> out;
  auto visit = [](void* ctx, const char* name, const char* value) -> int {
    std::string_view n(name);
    if (n.size() == 6 && std::equal(n.begin(), n.end(), "accept", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      auto items = parseAccept(value ? value : "");
      auto* v = static_cast<std::vector<std::string>*>(ctx);
      v->insert(v->end(), items.begin(), items.end());
    }
    return 0;
  };
  ex.api()->visit_headers(ex.raw(), visit, &out);
  return out;
}

bool acceptsManifestType(const std::vector<std::string>& accepted, std::string_view mediaType) {
  bool namesManifestType = false;
  for (auto& t : accepted) {
    if (t == mediaType) return true;
    if (media::isManifestType(t)) namesManifestType = true;
  }
  return !namesManifestType;
}

}  // namespace wharf::registry
