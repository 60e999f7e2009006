#include "api_path.hpp"

namespace wharf::registry {

namespace {

// When `rest` ends with "/<marker>/<leaf>" where leaf has no '/', splits it.
bool splitLeaf(std::string_view rest, std::string_view marker, ApiPath& out, Endpoint e) {
  size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos) return false;
  std::string_view head = rest.substr(0, slash);
  if (head.size() <= marker.size() + 1) return false;
  if (head.substr(head.size() - marker.size()) != marker) return false;
  if (head[head.size() - marker.size() - 1] != '/') return false;
  out.endpoint = e;
  out.name = std::string(head.substr(0, head.size() - marker.size() - 1));
  out.reference = std::string(rest.substr(slash + 1));
  return true;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

ApiPath parseApiPath(std::string_view path) {
  ApiPath out;
  if (path.substr(0, 4) != "/v2/") return out;
  std::string_view rest = path.substr(4);
  if (rest.empty()) {
    out.endpoint = Endpoint::Base;
    return out;
  }
  if (rest == "_catalog") {
    out.endpoint = Endpoint::Catalog;
    return out;
  }
  if (endsWith(rest, "/tags/list")) {
    out.endpoint = Endpoint::TagsList;
    out.name = std::string(rest.substr(0, rest.size() - 10));
    return out;
  }
  if (endsWith(rest, "/blobs/uploads")) {
    out.endpoint = Endpoint::UploadStart;
    out.name = std::string(rest.substr(0, rest.size() - 14));
    return out;
  }
  if (splitLeaf(rest, "blobs/uploads", out, Endpoint::Upload)) {
    if (out.reference.empty()) out.endpoint = Endpoint::UploadStart;
    return out;
  }
  if (splitLeaf(rest, "manifests", out, Endpoint::Manifest) ||
      splitLeaf(rest, "blobs", out, Endpoint::Blob) ||
      splitLeaf(rest, "referrers", out, Endpoint::Referrers))
    return out.reference.empty() ? ApiPath{} : out;
  return ApiPath{};
}

const char* routeLabel(Endpoint e) {
  switch (e) {
    case Endpoint::Base:
      return "/v2/";
    case Endpoint::Catalog:
      return "/v2/_catalog";
    case Endpoint::TagsList:
      return "/v2/{name}/tags/list";
    case Endpoint::Manifest:
      return "/v2/{name}/manifests/{reference}";
    case Endpoint::Blob:
      return "/v2/{name}/blobs/{digest}";
    case Endpoint::UploadStart:
      return "/v2/{name}/blobs/uploads/";
    case Endpoint::Upload:
      return "/v2/{name}/blobs/uploads/{uuid}";
    case Endpoint::Referrers:
      return "/v2/{name}/referrers/{digest}";
    case Endpoint::Unknown:
      break;
  }
  return "/v2/{unknown}";
}

const char* handlerLabel(Endpoint e) {
  switch (e) {
    case Endpoint::Base:
      return "base";
    case Endpoint::Catalog:
      return "catalog";
    case Endpoint::TagsList:
      return "tags";
    case Endpoint::Manifest:
      return "manifest";
    case Endpoint::Blob:
      return "blob";
    case Endpoint::UploadStart:
      return "blob_upload";
    case Endpoint::Upload:
      return "blob_upload_chunk";
    case Endpoint::Referrers:
      return "referrers";
    case Endpoint::Unknown:
      break;
  }
  return "unknown";
}

}  // namespace wharf::registry
