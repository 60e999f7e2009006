#include "x5c_chain.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <stdexcept>

#include "base64.hpp"

namespace wharf::auth {

RootBundle RootBundle::load(const std::string& pem_path) {
  RootBundle b;
  b.store_ = std::shared_ptr<X509_STORE>(X509_STORE_new(), X509_STORE_free);
  if (!b.store_ || X509_STORE_load_file(b.store_.get(), pem_path.c_str()) != 1)
    throw std::invalid_argument("cannot load root certificates from '" + pem_path + "'");
  return b;
}

Pkey RootBundle::verify(const std::vector<std::string>& x5c, std::string& why) const {
  if (x5c.empty()) {
    why = "empty x5c";
    return nullptr;
  }
  std::vector<X509*> certs;
  for (auto& b64 : x5c) {
    auto der = base64Decode(b64);
    const unsigned char* p = der ? reinterpret_cast<const unsigned char*>(der->data()) : nullptr;
    X509* c = p ? d2i_X509(nullptr, &p, static_cast<long>(der->size())) : nullptr;
    if (!c) {
      why = "malformed x5c certificate";
      for (auto* x : certs) X509_free(x);
      return nullptr;
    }
    certs.push_back(c);
  }
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (size_t i = 1; i < certs.size(); ++i) sk_X509_push(untrusted, certs[i]);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  Pkey key;
  // The signer's certificate must allow signatures: a key usage extension without
  // digitalSignature (a certificate for signing certificates only, say) does not sign tokens.
  const uint32_t usage = X509_get_key_usage(certs[0]);
  if (usage != UINT32_MAX && !(usage & KU_DIGITAL_SIGNATURE)) {
    why = "the signer certificate's key usage does not include digitalSignature";
  } else if (ctx && X509_STORE_CTX_init(ctx, store_.get(), certs[0], untrusted) == 1 &&
             X509_verify_cert(ctx) == 1) {
    EVP_PKEY* k = X509_get_pubkey(certs[0]);
    key = k ? ownPkey(k) : nullptr;
  } else {
    why = ctx ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)) : "no memory";
  }
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  for (auto* x : certs) X509_free(x);
  return key;
}

}  // namespace wharf::auth
