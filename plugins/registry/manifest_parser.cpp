#include "manifest_parser.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "errors.hpp"
#include "media_types.hpp"

namespace wharf::registry {

namespace {

using Poco::JSON::Object;

[[noreturn]] void invalid(const std::string& why) {
  throw RegistryError(ErrorCode::ManifestInvalid, why);
}

std::string stringField(const Object::Ptr& o, const char* key) {
  if (!o->has(key)) return {};
  Poco::Dynamic::Var v = o->get(key);
  if (v.isEmpty()) return {};
  if (!v.isString()) invalid(std::string("\"") + key + "\" must be a string");
  return v.extract<std::string>();
}

std::string objectJson(const Object::Ptr& o, const char* key) {
  if (!o->has(key)) return {};
  Object::Ptr inner = o->getObject(key);
  if (!inner) invalid(std::string("\"") + key + "\" must be an object");
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(inner, out);
  return out.str();
}

Descriptor parseDescriptor(const Poco::Dynamic::Var& v, const std::string& where) {
  Object::Ptr o;
  try {
    o = v.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
    invalid(where + " must be an object");
  }
  if (!o) invalid(where + " must be an object");
  Descriptor d;
  d.mediaType = stringField(o, "mediaType");
  auto digest = parseDigest(stringField(o, "digest"));
  if (!digest) invalid(where + " has an invalid digest");
  d.digest = *digest;
  if (!o->has("size")) invalid(where + " has no size");
  Poco::Dynamic::Var size = o->get("size");
  if (!size.isInteger() || size.convert<Poco::Int64>() < 0) invalid(where + " has an invalid size");
  d.size = size.convert<Poco::Int64>();
  d.artifactType = stringField(o, "artifactType");
  d.annotationsJson = objectJson(o, "annotations");
  d.foreign = o->has("urls");
  if (o->has("platform")) {
    Object::Ptr p = o->getObject("platform");
    if (!p) invalid(where + ".platform must be an object");
    d.os = stringField(p, "os");
    d.architecture = stringField(p, "architecture");
    d.variant = stringField(p, "variant");
  }
  return d;
}

std::vector<Descriptor> parseDescriptors(const Object::Ptr& o, const char* key, bool required) {
  std::vector<Descriptor> out;
  if (!o->has(key)) {
    if (required) invalid(std::string("\"") + key + "\" is missing");
    return out;
  }
  Poco::JSON::Array::Ptr arr = o->getArray(key);
  if (!arr) invalid(std::string("\"") + key + "\" must be an array");
  for (size_t i = 0; i < arr->size(); ++i)
    out.push_back(parseDescriptor(arr->get(static_cast<unsigned>(i)),
                                  std::string(key) + "[" + std::to_string(i) + "]"));
  return out;
}

// The media type of a manifest: its own field, else a manifest Content-Type, else guessed from
// the shape as OCI allows.
std::string resolveMediaType(const Object::Ptr& o, std::string_view contentType) {
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
  if (o->has("manifests")) return std::string(media::kOciIndex);
  if (o->has("config")) return std::string(media::kOciManifest);
  invalid("cannot tell the manifest media type");
}

}  // namespace

std::string Manifest::effectiveArtifactType() const {
  if (!artifactType.empty()) return artifactType;
  if (config) return config->mediaType;
  return {};
}

Manifest parseManifest(std::string_view body, std::string_view contentType) {
  Object::Ptr root;
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(std::string(body));
    root = v.extract<Object::Ptr>();
  } catch (const RegistryError&) {
    throw;
  } catch (const Poco::Exception& e) {
    invalid("not a JSON object: " + e.displayText());
  } catch (const std::exception& e) {
    invalid(std::string("not a JSON object: ") + e.what());
  }
  if (!root) invalid("not a JSON object");
  if (!root->has("schemaVersion")) invalid("\"schemaVersion\" is missing");
  Poco::Dynamic::Var sv = root->get("schemaVersion");
  if (!sv.isInteger() || sv.convert<int>() != 2)
    invalid("\"schemaVersion\" must be 2 (schema1 is not supported)");

  Manifest m;
  m.mediaType = resolveMediaType(root, contentType);
  m.isIndex = media::isIndexType(m.mediaType);
  m.artifactType = stringField(root, "artifactType");
  m.annotationsJson = objectJson(root, "annotations");
  if (root->has("subject")) m.subject = parseDescriptor(root->get("subject"), "subject");
  if (m.isIndex) {
    m.manifests = parseDescriptors(root, "manifests", true);
    if (root->has("config") || root->has("layers"))
      invalid("an index has no \"config\" or \"layers\"");
  } else {
    if (!root->has("config")) invalid("\"config\" is missing");
    m.config = parseDescriptor(root->get("config"), "config");
    m.layers = parseDescriptors(root, "layers", m.mediaType == media::kDockerManifest);
    if (root->has("manifests")) invalid("an image manifest has no \"manifests\"");
  }
  return m;
}

}  // namespace wharf::registry
