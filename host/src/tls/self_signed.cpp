#include "tls/self_signed.hpp"

#include <arpa/inet.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>

namespace fs = std::filesystem;

namespace wharf::host {

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("self-signed TLS: " + what);
}

bool isIp(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

void writePem(const std::string& path, mode_t mode, const std::function<int(FILE*)>& writer) {
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) fail("cannot write " + tmp);
  ::fchmod(fileno(f), mode);
  int ok = writer(f);
  std::fclose(f);
  if (!ok) fail("cannot encode " + path);
  fs::rename(tmp, path);
}

}  // namespace

std::pair<std::string, std::string> ensureSelfSigned(const std::string& dir,
                                                     const std::string& name,
                                                     const std::vector<std::string>& extra_names) {
  std::string cert_path = dir + "/" + name + ".crt";
  std::string key_path = dir + "/" + name + ".key";
  if (fs::exists(cert_path) && fs::exists(key_path)) return {cert_path, key_path};
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create " + dir + ": " + ec.message());

  PKey key(EVP_EC_gen("P-256"));
  if (!key) fail("key generation failed");
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  FILE* r = std::fopen("/dev/urandom", "r");
  if (!r || std::fread(serial, 1, sizeof serial, r) != sizeof serial) fail("no randomness");
  std::fclose(r);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Wharf"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);

  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
  if (*host) names.push_back(host);
  for (auto& n : extra_names)
    if (!n.empty() && n != "0.0.0.0" && n != "::") names.push_back(n);
  std::string san;
  for (auto& n : names) san += (san.empty() ? "" : ",") + std::string(isIp(n) ? "IP:" : "DNS:") + n;

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, san},
                            {NID_basic_constraints, "critical,CA:TRUE"},
                            {NID_key_usage, "critical,digitalSignature,keyCertSign"},
                            {NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) fail("cannot add extension " + value);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) fail("signing failed");

  writePem(key_path, 0600, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  writePem(cert_path, 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
  return {cert_path, key_path};
}

}  // namespace wharf::host
