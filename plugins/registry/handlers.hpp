// The request handlers, one group per file: blob_handlers.cpp, upload_handlers.cpp,
// manifest_handlers.cpp, tags_handlers.cpp (tags/list and _catalog), referrers.cpp.
#pragma once

#include "api_path.hpp"
#include "registry_context.hpp"
#include "wharf/cpp/http_service.hpp"

namespace wharf::registry {

void getBlob(RegistryContext& ctx, Exchange& ex, const ApiPath& p, bool head);
void deleteBlob(RegistryContext& ctx, Exchange& ex, const ApiPath& p);

void startUpload(RegistryContext& ctx, Exchange& ex, const ApiPath& p);
void patchUpload(RegistryContext& ctx, Exchange& ex, const ApiPath& p);
void putUpload(RegistryContext& ctx, Exchange& ex, const ApiPath& p);
void getUploadStatus(RegistryContext& ctx, Exchange& ex, const ApiPath& p);
void cancelUpload(RegistryContext& ctx, Exchange& ex, const ApiPath& p);

void getManifest(RegistryContext& ctx, Exchange& ex, const ApiPath& p, bool head);
void putManifest(RegistryContext& ctx, Exchange& ex, const ApiPath& p);
void deleteManifest(RegistryContext& ctx, Exchange& ex, const ApiPath& p);

void listTags(RegistryContext& ctx, Exchange& ex, const ApiPath& p);
void listCatalog(RegistryContext& ctx, Exchange& ex);

void listReferrers(RegistryContext& ctx, Exchange& ex, const ApiPath& p);

// Throws UNSUPPORTED (405) in read-only mode.
void requireWritable(const RegistryContext& ctx);
// Throws DIGEST_INVALID unless `text` is a supported digest.
Digest requireDigest(const std::string& text);

}  // namespace wharf::registry
