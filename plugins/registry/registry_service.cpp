#include "registry_service.hpp"

#include <chrono>

#include "api_path.hpp"
#include "gc.hpp"
#include "handlers.hpp"
#include "layout.hpp"
#include "names.hpp"
#include "responses.hpp"

namespace wharf::registry {

namespace {

std::vector<AuthClient> authClients(const Host& host, const Settings& s) {
  std::vector<AuthClient> out;
  for (auto& name : s.auth) out.push_back(AuthClient::lookup(host, name));
  return out;
}

// The name must be valid and must have been sent without percent-escapes (%2e%2e, %2f ...).
void validateName(Exchange& ex, const std::string& name) {
  if (!isValidRepositoryName(name))
    throw RegistryError(ErrorCode::NameInvalid, name.size() > 300 ? name.substr(0, 300) : name);
  std::string raw = ex.rawPath();
  if (raw.compare(0, 4, "/v2/") != 0 || raw.compare(4, name.size(), name) != 0 ||
      (raw.size() > 4 + name.size() && raw[4 + name.size()] != '/'))
    throw RegistryError(ErrorCode::NameInvalid, "the name must not be percent-encoded");
}

RegistryError unsupportedMethod(const std::string& method) {
  return RegistryError(ErrorCode::Unsupported, 405, "method " + method + " not allowed here", "");
}

// The answer says what kind of failure it was; the driver's message (file system paths, bucket
// names) goes to the log only.
RegistryError fromStorageError(const Error& e) {
  switch (e.code()) {
    case WHARF_ERR_NO_SPACE:
      return RegistryError(ErrorCode::Unavailable, 507, "no space left in storage", "");
    case WHARF_ERR_UNAVAILABLE:
      return RegistryError(ErrorCode::Unavailable, 503, "storage unavailable", "");
    default:
      return RegistryError(ErrorCode::Unknown, 500, "storage error", "");
  }
}

}  // namespace

RegistryService::RegistryService(const Config& config, const Host& host) : HttpService(host) {
  Settings s = Settings::fromConfig(config);
  StorageClient storage = StorageClient::lookup(host, s.storage);
  auto auth = authClients(host, s);
  std::string driver = s.storage;
  ctx_ = std::make_unique<RegistryContext>(std::move(s), host, storage, std::move(auth), driver);
  maintenance_ = std::make_unique<Maintenance>(*ctx_);
}

RegistryService::~RegistryService() { maintenance_.reset(); }

void RegistryService::health() {
  ctx_->store.stat("");  // throws when the storage cannot answer
}

void RegistryService::dispatch(Exchange& ex, const ApiPath& p, const std::string& method) {
  RegistryContext& ctx = *ctx_;
  const bool get = method == "GET", head = method == "HEAD";
  switch (p.endpoint) {
    case Endpoint::Base:
      if (!get && !head) throw unsupportedMethod(method);
      ctx.auth.require(ex, "registry", "", 0);
      sendJson(ex, 200, "{}");
      return;
    case Endpoint::Catalog:
      if (!get) throw unsupportedMethod(method);
      return listCatalog(ctx, ex);
    case Endpoint::TagsList:
      if (!get) throw unsupportedMethod(method);
      return listTags(ctx, ex, p);
    case Endpoint::Manifest:
      if (get || head) return getManifest(ctx, ex, p, head);
      if (method == "PUT") return putManifest(ctx, ex, p);
      if (method == "DELETE") return deleteManifest(ctx, ex, p);
      throw unsupportedMethod(method);
    case Endpoint::Blob:
      if (get || head) return getBlob(ctx, ex, p, head);
      if (method == "DELETE") return deleteBlob(ctx, ex, p);
      throw unsupportedMethod(method);
    case Endpoint::UploadStart:
      if (method == "POST") return startUpload(ctx, ex, p);
      throw unsupportedMethod(method);
    case Endpoint::Upload:
      if (method == "PATCH") return patchUpload(ctx, ex, p);
      if (method == "PUT") return putUpload(ctx, ex, p);
      if (get) return getUploadStatus(ctx, ex, p);
      if (method == "DELETE") return cancelUpload(ctx, ex, p);
      throw unsupportedMethod(method);
    case Endpoint::Referrers:
      if (!get) throw unsupportedMethod(method);
      return listReferrers(ctx, ex, p);
    case Endpoint::Unknown:
      break;
  }
  throw RegistryError(ErrorCode::Unsupported, 404, "no such endpoint", ex.path());
}

void RegistryService::handle(Exchange& ex) {
  const auto start = std::chrono::steady_clock::now();
  resetStatus();
  ex.addHeader("Docker-Distribution-Api-Version", "registry/2.0");
  const ApiPath p = parseApiPath(ex.path());
  const std::string method = ex.method();
  ex.setRoute(routeLabel(p.endpoint));
  const char* handler = handlerLabel(p.endpoint);
  ctx_->metrics.requestStarted(handler);
  try {
    if (p.endpoint != Endpoint::Base && p.endpoint != Endpoint::Catalog &&
        p.endpoint != Endpoint::Unknown)
      validateName(ex, p.name);
    if (p.endpoint == Endpoint::Unknown && ex.path().find("..") != std::string::npos)
      throw RegistryError(ErrorCode::NameInvalid, "path contains '..'");
    dispatch(ex, p, method);
  } catch (const RegistryError& e) {
    sendError(ex, e);
  } catch (const Error& e) {
    ctx_->host.error(method + " " + ex.path() + ": " + e.what());
    sendError(ex, fromStorageError(e));
  } catch (const std::exception& e) {
    ctx_->host.error(method + " " + ex.path() + ": " + e.what());
    sendError(ex, RegistryError(ErrorCode::Unknown, 500, "internal error", ""));
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  ctx_->metrics.requestFinished(handler, method, lastStatus(), took.count());
}

void RegistryService::handleException(Exchange& ex, const std::exception& e) {
  sendError(ex, RegistryError(ErrorCode::Unknown, 500, "internal error", e.what()));
}

bool RegistryService::runCommand(const std::string& command, const std::vector<std::string>& args,
                                 const std::function<void(const std::string&)>& out) {
  if (command != "gc") return false;
  GcOptions opt;
  for (auto& a : args) {
    if (a == "--dry-run" || a == "-d")
      opt.dryRun = true;
    else if (a == "--delete-untagged" || a == "-m")
      opt.deleteUntagged = true;
    else
      throw Error(WHARF_ERR_INVALID_ARGUMENT,
                  "gc: unknown option '" + a + "' (known: --dry-run, --delete-untagged)");
  }
  GcReport r = collectGarbage(ctx_->store, ctx_->manifests, opt, out);
  out(std::string(opt.dryRun ? "dry run: " : "") + std::to_string(r.repositories) +
      " repositories, " + std::to_string(r.manifestsMarked) + " manifests marked, " +
      std::to_string(r.blobsMarked) + " blobs marked, " + std::to_string(r.manifestsDeleted) +
      " untagged manifests " + (opt.dryRun ? "eligible" : "deleted") + ", " +
      std::to_string(r.blobsDeleted) + " blobs " + (opt.dryRun ? "eligible" : "deleted") + " (" +
      std::to_string(r.bytesFreed) + " bytes)");
  return true;
}

}  // namespace wharf::registry
