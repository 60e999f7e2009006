// Splits a /v2/ request path into the endpoint, the repository name and the reference (tag,
// digest or upload id). Names may contain '/', so the endpoint is recognised from the end.
#pragma once

#include <string>
#include <string_view>

namespace wharf::registry {

enum class Endpoint {
  Base,         // /v2/
  Catalog,      // /v2/_catalog
  TagsList,     // /v2/<name>/tags/list
  Manifest,     // /v2/<name>/manifests/<reference>
  Blob,         // /v2/<name>/blobs/<digest>
  UploadStart,  // /v2/<name>/blobs/uploads/
  Upload,       // /v2/<name>/blobs/uploads/<id>
  Referrers,    // /v2/<name>/referrers/<digest>
  Unknown,
};

struct ApiPath {
  Endpoint endpoint = Endpoint::Unknown;
  std::string name;
  std::string reference;
};

// `path` is the percent-decoded request path. The name is not validated here.
ApiPath parseApiPath(std::string_view path);

// Route label for metrics and the access log ("/v2/{name}/blobs/{digest}").
const char* routeLabel(Endpoint e);
// Handler label in distribution's metric style ("blob", "manifest", ...).
const char* handlerLabel(Endpoint e);

}  // namespace wharf::registry
