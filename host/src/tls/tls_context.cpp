#include "tls/tls_context.hpp"

#include <Poco/Net/SSLManager.h>

#include <mutex>

#include "tls/self_signed.hpp"

namespace wharf::host {

Poco::Net::Context::Ptr makeServerTlsContext(const ListenerConfig& l, const std::string& data_dir) {
  static std::once_flag init;
  std::call_once(init, [] { Poco::Net::initializeSSL(); });
  std::string cert = l.tls_cert, key = l.tls_key;
  if (l.tls == TlsMode::SelfSigned)
    std::tie(cert, key) = ensureSelfSigned(data_dir + "/tls", l.name, {l.bind.host});
  Poco::Net::Context::Params params;
  params.privateKeyFile = key;
  params.certificateFile = cert;
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;
  params.loadDefaultCAs = false;
  params.cipherList = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!MD5:!DSS";
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  ctx->requireMinimumProtocol(l.tls_min_version == "1.3" ? Poco::Net::Context::PROTO_TLSV1_3
                                                         : Poco::Net::Context::PROTO_TLSV1_2);
  ctx->enableSessionCache(true, "wharf");
  return ctx;
}

}  // namespace wharf::host
