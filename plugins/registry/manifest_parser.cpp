#include "manifest_parser.hpp"

#include "errors.hpp"
#include "media_types.hpp"
#include "wharf/cpp/json.hpp"

namespace wharf::registry {

namespace {

[[noreturn]] void invalid(const std::string& why) {
  throw RegistryError(ErrorCode::ManifestInvalid, why);
}

bool has(const Json& o, const char* key) { return o.contains(key); }

std::string stringField(const Json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return {};
  if (!it->is_string()) invalid(std::string("\"") + key + "\" must be a string");
  return it->get<std::string>();
}

// wharf::Json is insertion-ordered: annotations come back (in referrers listings) as the client
// wrote them.
std::optional<Json> objectMember(const Json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (!it->is_object()) invalid(std::string("\"") + key + "\" must be an object");
  return *it;
}

Descriptor parseDescriptor(const Json& o, const std::string& where) {
  if (!o.is_object()) invalid(where + " must be an object");
  Descriptor d;
  d.mediaType = stringField(o, "mediaType");
  auto digest = parseDigest(stringField(o, "digest"));
  if (!digest) invalid(where + " has an invalid digest");
  d.digest = *digest;
  if (!has(o, "size")) invalid(where + " has no size");
  const Json& size = o.at("size");
  if (!size.is_number_integer() ||
      (size.is_number_unsigned() ? size.get<uint64_t>() > uint64_t{INT64_MAX}
                                 : size.get<int64_t>() < 0))
    invalid(where + " has an invalid size");
  d.size = size.get<int64_t>();
  d.artifactType = stringField(o, "artifactType");
  d.annotations = objectMember(o, "annotations");
  d.foreign = has(o, "urls");
  if (has(o, "platform")) {
    const Json& p = o.at("platform");
    if (!p.is_object()) invalid(where + ".platform must be an object");
    d.os = stringField(p, "os");
    d.architecture = stringField(p, "architecture");
    d.variant = stringField(p, "variant");
  }
  return d;
}

std::vector<Descriptor> parseDescriptors(const Json& o, const char* key, bool required) {
  std::vector<Descriptor> out;
  if (!has(o, key)) {
    if (required) invalid(std::string("\"") + key + "\" is missing");
    return out;
  }
  const Json& arr = o.at(key);
  if (!arr.is_array()) invalid(std::string("\"") + key + "\" must be an array");
  for (size_t i = 0; i < arr.size(); ++i)
    out.push_back(parseDescriptor(arr[i], std::string(key) + "[" + std::to_string(i) + "]"));
  return out;
}

// The media type of a manifest: its own field, else a manifest Content-Type, else guessed from
// the shape as OCI allows.
std::string resolveMediaType(const Json& o, std::string_view contentType) {
  std::string own = stringField(o, "mediaType");
  std::string header(contentType.substr(0, contentType.find(';')));
  while (!header.empty() && header.back() == ' ') header.pop_back();
  bool headerIsManifest = media::isManifestType(header);
  if (!own.empty()) {
    if (!media::isManifestType(own)) invalid("unsupported manifest media type '" + own + "'");
    if (headerIsManifest && header != own)
      invalid("mediaType '" + own + "' does not match Content-Type '" + header + "'");
    return own;
  }
  if (headerIsManifest) return header;
  if (header == media::kDockerSchema1 || header == media::kDockerSchema1Signed)
    invalid("Docker schema1 manifests are not supported");
  if (has(o, "manifests")) return std::string(media::kOciIndex);
  if (has(o, "config")) return std::string(media::kOciManifest);
  invalid("cannot tell the manifest media type");
}

}  // namespace

std::string Manifest::effectiveArtifactType() const {
  if (!artifactType.empty()) return artifactType;
  if (config) return config->mediaType;
  return {};
}

Manifest parseManifest(std::string_view body, std::string_view contentType) {
  Json root;
  try {
    root = Json::parse(body);
  } catch (const Json::exception& e) {
    invalid(std::string("not a JSON object: ") + e.what());
  }
  if (!root.is_object()) invalid("not a JSON object");
  if (!has(root, "schemaVersion")) invalid("\"schemaVersion\" is missing");
  const Json& sv = root.at("schemaVersion");
  if (!sv.is_number_integer() || sv.get<int64_t>() != 2)
    invalid("\"schemaVersion\" must be 2 (schema1 is not supported)");

  Manifest m;
  m.mediaType = resolveMediaType(root, contentType);
  m.isIndex = media::isIndexType(m.mediaType);
  m.artifactType = stringField(root, "artifactType");
  m.annotations = objectMember(root, "annotations");
  if (has(root, "subject")) m.subject = parseDescriptor(root.at("subject"), "subject");
  if (m.isIndex) {
    m.manifests = parseDescriptors(root, "manifests", true);
    if (has(root, "config") || has(root, "layers"))
      invalid("an index has no \"config\" or \"layers\"");
  } else {
    if (!has(root, "config")) invalid("\"config\" is missing");
    m.config = parseDescriptor(root.at("config"), "config");
    m.layers = parseDescriptors(root, "layers", m.mediaType == media::kDockerManifest);
    if (has(root, "manifests")) invalid("an image manifest has no \"manifests\"");
  }
  return m;
}

}  // namespace wharf::registry
