"""A Docker token server for the tests: signs its own JWTs (ES256, RS256, EdDSA) with keys made by
`cryptography`, publishes them as a JWK set and as an x5c chain under a test root CA."""

import base64
import datetime
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_bytes(n, length=None):
    length = length or (n.bit_length() + 7) // 8
    return n.to_bytes(length, "big")


class SigningKey:
    def __init__(self, alg, kid):
        self.alg, self.kid = alg, kid
        if alg == "ES256":
            self.key = ec.generate_private_key(ec.SECP256R1())
        elif alg == "RS256":
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "EdDSA":
            self.key = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(alg)

    def jwk(self):
        pub = self.key.public_key()
        if self.alg == "ES256":
            nums = pub.public_numbers()
            return {"kty": "EC", "crv": "P-256", "kid": self.kid, "x": b64url(_int_bytes(nums.x, 32)),
                    "y": b64url(_int_bytes(nums.y, 32))}
        if self.alg == "RS256":
            nums = pub.public_numbers()
            return {"kty": "RSA", "kid": self.kid, "n": b64url(_int_bytes(nums.n)),
                    "e": b64url(_int_bytes(nums.e))}
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "x": b64url(raw)}

    def sign(self, data):
        if self.alg == "ES256":
            r, s = decode_dss_signature(self.key.sign(data, ec.ECDSA(hashes.SHA256())))
            return _int_bytes(r, 32) + _int_bytes(s, 32)
        if self.alg == "RS256":
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(data)


def make_token(key, claims, header_extra=None, use_kid=True):
    header = {"alg": key.alg, "typ": "JWT"}
    if use_kid:
        header["kid"] = key.kid
    header.update(header_extra or {})
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    return signing_input.decode() + "." + b64url(key.sign(signing_input))


def claims(issuer, service, access, sub="alice", lifetime=300, **extra):
    now = int(time.time())
    c = {"iss": issuer, "sub": sub, "aud": service, "iat": now, "nbf": now - 1,
         "exp": now + lifetime, "jti": str(now), "access": access}
    c.update(extra)
    return c


def _key_usage(digital_signature=False, key_cert_sign=False, crl_sign=False):
    return x509.KeyUsage(digital_signature=digital_signature, key_cert_sign=key_cert_sign, crl_sign=crl_sign,
                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                         key_agreement=False, encipher_only=False, decipher_only=False)


def ca_and_leaves(*leaves):
    """A self-signed root CA and leaf certificates signed by it, as (root PEM, [leaf DER...]).
    Each leaf is (SigningKey, key usage): a dict of KeyUsage flags, or None for no extension."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wharf test token CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(_key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True), critical=True)
          .sign(ca_key, hashes.SHA256()))
    out = []
    for leaf_key, usage in leaves:
        leaf = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "token signer")]))
                .issuer_name(ca_name).public_key(leaf_key.key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=1)))
        if usage is not None:
            leaf = leaf.add_extension(_key_usage(**usage), critical=True)
        out.append(leaf.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    return ca.public_bytes(serialization.Encoding.PEM), out


def ca_and_leaf(leaf_key):
    """A self-signed root CA and a leaf certificate (no key usage extension) for `leaf_key`."""
    root, leaves = ca_and_leaves((leaf_key, None))
    return root, leaves[0]


class TokenServer:
    """GET /token?service=&scope=... with Basic credentials user:password -> {"token": ...}.
    Grants every requested action to the known user (or only `grant` when set)."""

    def __init__(self, key, issuer, service, users, x5c=None):
        self.key, self.issuer, self.service, self.users = key, issuer, service, users
        self.x5c = x5c
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                q = parse_qs(urlparse(self.path).query)
                server.requests.append(q)
                user = ""
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
                    if server.users.get(u) != p:
                        self.send_response(401)
                        self.end_headers()
                        return
                    user = u
                access = []
                for scope in q.get("scope", []):
                    for item in scope.split(" "):
                        typ, _, rest = item.partition(":")
                        name, _, actions = rest.rpartition(":")
                        if user:
                            access.append({"type": typ, "name": name,
                                           "actions": actions.split(",")})
                extra = {"x5c": server.x5c} if server.x5c else None
                token = make_token(server.key, claims(server.issuer, server.service, access,
                                                      sub=user), extra, use_kid=not server.x5c)
                body = json.dumps({"token": token, "access_token": token,
                                   "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/token"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
