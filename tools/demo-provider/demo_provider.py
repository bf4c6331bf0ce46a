#!/usr/bin/python3
"""demo-provider: "Demo-gemeente", a stand-in government service provider for the demo.

Not a real organisation. It plays the website of a municipality that lets people log in
through volmacht with representation, once by SAML (Combi-Connect) and once by OpenID
Connect, and shows what it received after checking it itself: the status, the acting BSN,
the legal (represented) BSN, the ServiceUUID and the LoA.

SAML: the service provider is tests/interop/pysaml2_sp.py (pysaml2, an implementation
independent of volmacht's lasso code): signed AuthnRequest (HTTP-Redirect, RSA-SHA256) with
Scoping per the chosen representation and the ServiceUUID extension; artifact resolved over
mutual TLS with the organisation's client certificate, or the HTTP-POST response; pysaml2
checks the signature, audience, times and InResponseTo; the EncryptedIDs are decrypted with
our own key. OIDC: code flow with PKCE S256 and client_secret_basic; the ID token signature
(ES256 or RS256) is checked against the JWKS, and iss/aud/exp/nonce/acr are checked.

The command line is documented in README.md (the demo script and tests depend on it).
Runs with Debian's /usr/bin/python3 (python3-pysaml2, python3-cryptography,
python3-requests). Nothing personal is logged: request lines carry no BSN.
"""

import argparse
import base64
import datetime
import hashlib
import html
import http.server
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "interop"))

import requests  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

import pysaml2_sp  # noqa: E402

TITLE = "Demo-gemeente \u2014 testdienstaanbieder, geen echte organisatie"
DEMO_OIN = "00000003123456780000"
DEMO_SERVICE = "5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e03"
CLASSES = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
LOAS = [  # (SAML/pysaml2 level, name, AuthnContextClassRef = OIDC acr)
    (10, "Basis", CLASSES + "PasswordProtectedTransport"),
    (20, "Midden", CLASSES + "MobileTwoFactorContract"),
    (25, "Substantieel", CLASSES + "Smartcard"),
    (30, "Hoog", CLASSES + "SmartcardPKI"),
]
LOA_BY_LEVEL = {lvl: (name, ref) for lvl, name, ref in LOAS}
LOA_NAME_BY_REF = {ref: name for _, name, ref in LOAS}
LOA_LEVEL_BY_REF = {ref: lvl for lvl, _, ref in LOAS}
REPRESENTATION = {"optioneel": "optional", "verplicht": "mandatory", "geen": "none"}
STATUS_TEXT = {
    "urn:oasis:names:tc:SAML:2.0:status:Success": "Gelukt",
    "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed": "Geannuleerd (AuthnFailed)",
    "urn:oasis:names:tc:SAML:2.0:status:RequestDenied": "Geweigerd (RequestDenied)",
    "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext":
        "Betrouwbaarheidsniveau te laag (NoAuthnContext)",
}
MAX_BODY = 256 * 1024          # SAMLResponse forms and token answers
MAX_METADATA = 1024 * 1024
PENDING_TTL = 15 * 60          # seconds a started login may take
MAX_PENDING = 10000
HTTP_TIMEOUT = 10


class DemoError(Exception):
    """A failure shown to the user with a fixed text (never echoing input)."""


# ---------------------------------------------------------------- configuration

def parse_args(argv):
    p = argparse.ArgumentParser(prog="demo-provider", description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True, help="TCP port (1-65535)")
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--base-url", help="public URL (default https://localhost:PORT, or http:// "
                   "without --server-cert)")
    p.add_argument("--data-dir", required=True, help="keys, client secret, cached metadata")
    p.add_argument("--idp-metadata-url", default="https://localhost:8444/saml/idp/metadata")
    p.add_argument("--oidc-issuer", default="https://localhost:8444/oidc")
    p.add_argument("--ca", help="CA file trusted for volmacht's servers (default: system)")
    p.add_argument("--client-cert", help="TLS client certificate for ArtifactResolve")
    p.add_argument("--client-key", help="its private key")
    p.add_argument("--server-cert", help="TLS certificate for this site (HTTPS)")
    p.add_argument("--server-key", help="its private key")
    p.add_argument("--service", default=DEMO_SERVICE, help="ServiceUUID to ask for")
    p.add_argument("--service-name", default="Parkeervergunning")
    p.add_argument("--oin", default=DEMO_OIN, help="the organisation's OIN")
    p.add_argument("--entity-index", type=int, default=9000)
    p.add_argument("--oidc-client-id", default="demo-gemeente")
    p.add_argument("--key-bits", type=int, choices=[2048, 3072, 4096], default=3072,
                   help="RSA size of a newly made SAML key")
    p.add_argument("--print-saml-metadata", action="store_true",
                   help="print the SP metadata XML and exit")
    p.add_argument("--print-oidc-client", action="store_true",
                   help="print 'CLIENT_ID REDIRECT_URI SECRET_FILE' and exit")
    a = p.parse_args(argv)
    if not 1 <= a.port <= 65535:
        p.error("--port must be 1-65535 (the URLs in the metadata name it)")
    if bool(a.server_cert) != bool(a.server_key):
        p.error("--server-cert and --server-key go together")
    if bool(a.client_cert) != bool(a.client_key):
        p.error("--client-cert and --client-key go together")
    if not a.base_url:
        a.base_url = "%s://localhost:%d" % ("https" if a.server_cert else "http", a.port)
    a.base_url = a.base_url.rstrip("/")
    a.oidc_issuer = a.oidc_issuer.rstrip("/")
    return a


class Site:
    """Everything the request handlers share. Pending logins live in memory only."""

    def __init__(self, args):
        self.args = args
        self.dir = os.path.abspath(args.data_dir)
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        self.key_file = os.path.join(self.dir, "saml-key.pem")
        self.cert_file = os.path.join(self.dir, "saml-cert.pem")
        self.secret_file = os.path.join(self.dir, "oidc-client-secret")
        self.idp_metadata_file = os.path.join(self.dir, "idp-metadata.xml")
        self.entity_id = "urn:nl-eid-gdi:1.0:DV:%s:entities:%d" % (args.oin, args.entity_index)
        self.acs_url = args.base_url + "/saml/acs"
        self.redirect_uri = args.base_url + "/oidc/callback"
        self.verify = args.ca or True
        self.lock = threading.Lock()
        self.pending = {}   # key (RelayState / OIDC state) -> dict
        self.metadata_fetched = 0.0
        ensure_saml_key(self.key_file, self.cert_file, args.key_bits)
        ensure_secret(self.secret_file)

    def settings(self):
        s = {"entity_id": self.entity_id, "acs_url": self.acs_url,
             "key_file": self.key_file, "cert_file": self.cert_file,
             "ca_file": self.args.ca}
        if self.args.client_cert:
            s["tls_cert"] = os.path.abspath(self.args.client_cert)
            s["tls_key"] = os.path.abspath(self.args.client_key)
        if os.path.exists(self.idp_metadata_file):
            s["idp_metadata_file"] = self.idp_metadata_file
        return s

    def client_secret(self):
        with open(self.secret_file, encoding="ascii") as f:
            return f.read().strip()

    # -- pending logins: one-time, bounded, expiring
    def put_pending(self, entry):
        key = secrets.token_urlsafe(24)  # 32 characters: fits RelayState's 80 bytes
        now = time.monotonic()
        with self.lock:
            for k in [k for k, v in self.pending.items() if v["expires"] < now]:
                del self.pending[k]
            if len(self.pending) >= MAX_PENDING:
                raise DemoError("Te veel lopende inlogpogingen; probeer het later opnieuw.")
            entry["expires"] = now + PENDING_TTL
            self.pending[key] = entry
        return key

    def take_pending(self, key, kind):
        with self.lock:
            entry = self.pending.pop(key or "", None)
        if entry is None or entry["kind"] != kind or entry["expires"] < time.monotonic():
            raise DemoError("Onbekende of verlopen inlogpoging (RelayState/state).")
        return entry

    # -- volmacht's IdP metadata: fetched when a login starts, cached for ten minutes
    def refresh_idp_metadata(self):
        if time.monotonic() - self.metadata_fetched < 600 and \
                os.path.exists(self.idp_metadata_file):
            return
        try:
            text = http_get(self.args.idp_metadata_url, self.verify)
        except DemoError:
            if os.path.exists(self.idp_metadata_file):
                return  # keep using the last copy
            raise
        tmp = self.idp_metadata_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, self.idp_metadata_file)
        self.metadata_fetched = time.monotonic()


def ensure_saml_key(key_file, cert_file, bits):
    """An RSA key pair for SAML signing and decryption, made once (self-signed, 10 years)."""
    if os.path.exists(key_file) and os.path.exists(cert_file):
        return
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo-gemeente SAML (test)")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    write_private(key_file, key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    with open(cert_file + ".tmp", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(cert_file + ".tmp", cert_file)


def ensure_secret(path):
    if not os.path.exists(path):
        write_private(path, (secrets.token_urlsafe(32) + "\n").encode("ascii"))


def write_private(path, data):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def http_get(url, verify, headers=None):
    try:
        r = requests.get(url, verify=verify, timeout=HTTP_TIMEOUT, headers=headers or {},
                         stream=True)
        body = r.raw.read(MAX_METADATA + 1, decode_content=True)
    except requests.RequestException as e:
        raise DemoError("%s is niet bereikbaar (%s)." % (url, type(e).__name__)) from e
    if len(body) > MAX_METADATA:
        raise DemoError("Antwoord van %s is te groot." % url)
    if r.status_code != 200:
        raise DemoError("%s antwoordde HTTP %d." % (url, r.status_code))
    return body.decode("utf-8")


# ---------------------------------------------------------------- SAML

def saml_start(site, representation, level):
    site.refresh_idp_metadata()
    key = site.put_pending({"kind": "saml", "level": level, "representation": representation})
    out = pysaml2_sp.make_request(site.settings(), binding="redirect",
                                  scoping=REPRESENTATION[representation],
                                  service=site.args.service, min_loa=level, relay_state=key)
    with site.lock:
        if key in site.pending:
            site.pending[key]["request_id"] = out["request_id"]
    return out["url"]


def saml_finish(site, params):
    entry = site.take_pending(params.get("RelayState"), "saml")
    settings = site.settings()
    if "SAMLart" in params:
        binding = "HTTP-Artifact (ArtifactResolve over mutual TLS)"
        got = pysaml2_sp.consume(settings, artifact=params["SAMLart"],
                                 request_id=entry.get("request_id"))
    elif "SAMLResponse" in params:
        binding = "HTTP-POST"
        got = pysaml2_sp.consume(settings, saml_response=params["SAMLResponse"],
                                 request_id=entry.get("request_id"))
    else:
        raise DemoError("Geen SAMLart of SAMLResponse ontvangen.")
    status = got.get("status_detail") or got.get("status")
    if got.get("status") is None and got.get("artifact_response_status"):
        status = "geen bericht bij dit artifact (al gebruikt, onbekend of niet voor ons)"
    result = {
        "method": "SAML (Combi-Connect)", "binding": binding, "status": status,
        "success": got.get("status") == "urn:oasis:names:tc:SAML:2.0:status:Success",
        "acting_bsn": got.get("acting_bsn"), "legal_bsn": got.get("legal_bsn"),
        "service": got.get("service_uuid"), "loa_ref": got.get("loa"),
        "asked_level": entry["level"], "representation": entry["representation"],
    }
    if result["success"]:
        result["checks"] = [
            "Handtekening van de assertion, audience (%s), InResponseTo en geldigheidsduur "
            "gecontroleerd door pysaml2" % site.entity_id,
            "ActingSubjectID en LegalSubjectID ontsleuteld met de eigen sleutel (%s / %s)" % (
                got.get("algorithms", {}).get("acting_bsn", {}).get("key", "?").split("#")[-1],
                got.get("algorithms", {}).get("acting_bsn", {}).get("data", "?").split("#")[-1]),
        ]
    return result


# ---------------------------------------------------------------- OIDC

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if not isinstance(text, str) or len(text) > 64 * 1024:
        raise DemoError("Ongeldig token.")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def discovery(site):
    doc = json.loads(http_get(site.args.oidc_issuer + "/.well-known/openid-configuration",
                              site.verify))
    if doc.get("issuer") != site.args.oidc_issuer:
        raise DemoError("Het discovery-document noemt een andere issuer.")
    return doc


def oidc_start(site, representation, level):
    doc = discovery(site)
    verifier = b64url(secrets.token_bytes(32))
    nonce = b64url(secrets.token_bytes(16))
    state = site.put_pending({"kind": "oidc", "verifier": verifier, "nonce": nonce,
                              "level": level, "representation": representation})
    params = {
        "response_type": "code", "client_id": site.args.oidc_client_id,
        "redirect_uri": site.redirect_uri,
        "scope": "openid urn:nl-eid-gdi:1.0:ServiceUUID:" + site.args.service,
        "state": state, "nonce": nonce,
        "code_challenge": b64url(hashlib.sha256(verifier.encode("ascii")).digest()),
        "code_challenge_method": "S256", "acr_values": LOA_BY_LEVEL[level][1],
    }
    if representation != "geen":
        params["vertegenwoordiging"] = representation
    return doc["authorization_endpoint"] + "?" + urllib.parse.urlencode(params)


def jwk_public_key(jwk):
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        x = int.from_bytes(b64url_decode(jwk["x"]), "big")
        y = int.from_bytes(b64url_decode(jwk["y"]), "big")
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    if jwk.get("kty") == "RSA":
        n = int.from_bytes(b64url_decode(jwk["n"]), "big")
        e = int.from_bytes(b64url_decode(jwk["e"]), "big")
        return rsa.RSAPublicNumbers(e, n).public_key()
    raise DemoError("Onbekend sleuteltype in de JWKS.")


def verify_id_token(token, jwks, issuer, client_id, nonce):
    """Checks the JWS signature against the JWKS and the standard claims; returns the claims."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise DemoError("Het ID-token is geen JWS.")
    header = json.loads(b64url_decode(parts[0]))
    signed = (parts[0] + "." + parts[1]).encode("ascii")
    sig = b64url_decode(parts[2])
    keys = [k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")]
    if len(keys) != 1:
        raise DemoError("De sleutel van het ID-token staat niet in de JWKS.")
    key = jwk_public_key(keys[0])
    try:
        if header.get("alg") == "ES256" and isinstance(key, ec.EllipticCurvePublicKey):
            if len(sig) != 64:
                raise InvalidSignature()
            der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                       int.from_bytes(sig[32:], "big"))
            key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
        elif header.get("alg") == "RS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise DemoError("Algoritme van het ID-token niet toegestaan.")
    except InvalidSignature as e:
        raise DemoError("De handtekening van het ID-token klopt niet.") from e
    claims = json.loads(b64url_decode(parts[1]))
    now = time.time()
    aud = claims.get("aud")
    if claims.get("iss") != issuer:
        raise DemoError("Het ID-token komt van een andere issuer.")
    if aud != client_id and not (isinstance(aud, list) and client_id in aud):
        raise DemoError("Het ID-token is niet voor deze client (aud).")
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] < now - 30:
        raise DemoError("Het ID-token is verlopen.")
    if isinstance(claims.get("iat"), (int, float)) and claims["iat"] > now + 60:
        raise DemoError("Het ID-token komt uit de toekomst.")
    if claims.get("nonce") != nonce:
        raise DemoError("De nonce van het ID-token klopt niet.")
    return header, claims


def oidc_finish(site, params):
    entry = site.take_pending(params.get("state"), "oidc")
    if "iss" in params and params["iss"] != site.args.oidc_issuer:
        raise DemoError("Antwoord van een andere issuer (iss).")
    base = {"method": "OpenID Connect", "binding": "authorization code + PKCE S256",
            "asked_level": entry["level"], "representation": entry["representation"]}
    if "error" in params:
        return dict(base, success=False, status="error=" + params["error"][:64])
    doc = discovery(site)
    auth = base64.b64encode(("%s:%s" % (urllib.parse.quote(site.args.oidc_client_id, safe=""),
                                        urllib.parse.quote(site.client_secret(), safe="")))
                            .encode("ascii")).decode("ascii")
    try:
        r = requests.post(doc["token_endpoint"], verify=site.verify, timeout=HTTP_TIMEOUT,
                          headers={"Authorization": "Basic " + auth},
                          data={"grant_type": "authorization_code",
                                "code": params.get("code", ""),
                                "redirect_uri": site.redirect_uri,
                                "code_verifier": entry["verifier"]})
    except requests.RequestException as e:
        raise DemoError("Het token-endpoint is niet bereikbaar.") from e
    if r.status_code != 200 or len(r.content) > MAX_BODY:
        err = ""
        try:
            err = str(r.json().get("error", ""))[:64]
        except ValueError:
            pass
        return dict(base, success=False, status="token: HTTP %d %s" % (r.status_code, err))
    tokens = r.json()
    jwks = json.loads(http_get(doc["jwks_uri"], site.verify))
    header, claims = verify_id_token(tokens.get("id_token"), jwks, site.args.oidc_issuer,
                                     site.args.oidc_client_id, entry["nonce"])
    acr = claims.get("acr")
    if LOA_LEVEL_BY_REF.get(acr, 0) < entry["level"]:
        raise DemoError("Het ID-token heeft een lager betrouwbaarheidsniveau dan gevraagd.")
    info = json.loads(http_get(doc["userinfo_endpoint"], site.verify,
                               {"Authorization": "Bearer " + tokens.get("access_token", "")}))
    if info.get("sub") != claims.get("sub"):
        raise DemoError("UserInfo hoort bij een ander subject.")
    return dict(base, success=True, status="Gelukt",
                acting_bsn=claims.get("urn:nl-eid-gdi:1.0:ActingSubjectID"),
                legal_bsn=claims.get("urn:nl-eid-gdi:1.0:LegalSubjectID"),
                service=claims.get("urn:nl-eid-gdi:1.0:ServiceUUID"), loa_ref=acr,
                checks=["ID-token: %s-handtekening gecontroleerd tegen de JWKS (kid %s)"
                        % (header.get("alg"), header.get("kid")),
                        "iss, aud, exp, nonce en acr gecontroleerd; UserInfo-sub gelijk"])


# ---------------------------------------------------------------- pages

CSS = """
body{font-family:system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;
     color:#1b1b1b;background:#fff;line-height:1.5}
.banner{background:#fff4c2;border:2px solid #8a6d00;padding:.5rem 1rem;margin-bottom:1rem}
h1{font-size:1.6rem}fieldset{margin:1rem 0;padding:.5rem 1rem}
button{font-size:1rem;padding:.6rem 1rem;margin:.3rem .5rem .3rem 0;border:2px solid #154273;
       background:#154273;color:#fff;border-radius:3px;cursor:pointer}
button:focus,a:focus,input:focus,select:focus{outline:3px solid #ffbf47;outline-offset:2px}
dl{display:grid;grid-template-columns:max-content auto;gap:.3rem 1rem}dt{font-weight:bold}
.ok{color:#0b6b2b}.fail{color:#a4001e}a{color:#154273}
"""


def page(title, body):
    return ("<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>%s</title><style>%s</style></head><body>"
            "<header class=\"banner\" role=\"note\"><strong>Testomgeving.</strong> "
            "Dit is een testdienstaanbieder, geen echte organisatie.</header>"
            "<main>%s</main></body></html>") % (html.escape(title), CSS, body)


def start_page(site):
    e = html.escape
    loa_options = "".join(
        "<option value=\"%d\"%s>%s</option>" % (lvl, " selected" if lvl == 10 else "", name)
        for lvl, name, _ in LOAS)
    radios = "".join(
        "<div><input type=\"radio\" name=\"vertegenwoordiging\" id=\"v-%s\" value=\"%s\"%s>"
        "<label for=\"v-%s\">%s</label></div>" % (v, v, " checked" if v == "optioneel" else "",
                                                   v, label)
        for v, label in (("optioneel", "optioneel (uzelf of iemand die u vertegenwoordigt)"),
                         ("verplicht", "verplicht (alleen namens een ander)"),
                         ("geen", "geen (alleen voor uzelf)")))
    body = (
        "<h1>%s</h1>"
        "<p>Dienst: <strong>%s</strong> (ServiceUUID <code>%s</code>).</p>"
        "<form method=\"post\" action=\"/inloggen\">"
        "<fieldset><legend>Vertegenwoordiging</legend>%s</fieldset>"
        "<p><label for=\"loa\">Minimaal betrouwbaarheidsniveau</label> "
        "<select id=\"loa\" name=\"loa\">%s</select></p>"
        "<button type=\"submit\" name=\"methode\" value=\"saml\">"
        "Inloggen met Combi-Connect (SAML)</button>"
        "<button type=\"submit\" name=\"methode\" value=\"oidc\">"
        "Inloggen met OpenID Connect</button>"
        "</form>"
        "<p>SAML entity id <code>%s</code>, OIDC client <code>%s</code>.</p>") % (
            e(TITLE), e(site.args.service_name), e(site.args.service), radios, loa_options,
            e(site.entity_id), e(site.args.oidc_client_id))
    return page(TITLE, body)


def result_page(site, r):
    e = html.escape

    def row(label, ident, value):
        return "<dt>%s</dt><dd id=\"%s\">%s</dd>" % (e(label), ident, e(value or "\u2014"))

    service = r.get("service")
    service_text = service
    if service and service == site.args.service:
        service_text = "%s (%s)" % (service, site.args.service_name)
    loa = r.get("loa_ref")
    loa_text = "%s (%s)" % (LOA_NAME_BY_REF.get(loa, "onbekend"), loa) if loa else None
    legal = r.get("legal_bsn")
    who = None
    if r.get("success"):
        # SAML sends LegalSubjectID = ActingSubjectID for "myself"; OIDC leaves it out.
        who = "zichzelf" if legal in (None, r.get("acting_bsn")) else "namens een ander"
    cls = "ok" if r.get("success") else "fail"
    body = (
        "<h1>Wat Demo-gemeente ontving</h1>"
        "<p class=\"%s\" id=\"status\" role=\"status\">Status: %s</p><dl>%s%s%s%s%s%s%s</dl>"
        "%s<p><a href=\"/\">Opnieuw inloggen</a></p>") % (
            cls, e(STATUS_TEXT.get(r.get("status"), r.get("status") or "onbekend")),
            row("Methode", "method", "%s, %s" % (r.get("method"), r.get("binding"))),
            row("Gevraagd", "asked", "vertegenwoordiging %s, minimaal %s" % (
                r.get("representation"), LOA_BY_LEVEL[r.get("asked_level", 10)][0])),
            row("Handelende persoon (ActingSubjectID)", "acting-bsn", r.get("acting_bsn")),
            row("Vertegenwoordigde (LegalSubjectID)", "legal-bsn", legal),
            row("Inlogt voor", "acting-for", who),
            row("Dienst (ServiceUUID)", "service", service_text),
            row("Betrouwbaarheidsniveau", "loa", loa_text),
            ("<h2>Zelf gecontroleerd</h2><ul>%s</ul>" % "".join(
                "<li>%s</li>" % e(c) for c in r.get("checks", []))) if r.get("checks") else "")
    return page("Resultaat \u2014 Demo-gemeente", body)


def error_page(message):
    return page("Fout \u2014 Demo-gemeente",
                "<h1>Inloggen mislukt</h1><p id=\"status\" class=\"fail\" role=\"alert\">%s</p>"
                "<p><a href=\"/\">Opnieuw</a></p>" % html.escape(message))


# ---------------------------------------------------------------- HTTP

class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "demo-provider"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a connection may idle (per socket operation)
    site = None  # set in main

    def send_html(self, status, text, extra_headers=()):
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        # No form-action: the login form redirects on to volmacht and from there to DigiD,
        # and browsers apply form-action to every hop of that redirect chain.
        self.send_header("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, url):
        self.send_response(303)
        self.send_header("Location", url)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def query(self):
        q = urllib.parse.urlsplit(self.path).query
        if len(q) > MAX_BODY:
            raise DemoError("Verzoek te groot.")
        return dict(urllib.parse.parse_qsl(q, max_num_fields=20))

    def form(self):
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            raise DemoError("Verzoek te groot of zonder lengte.")
        return dict(urllib.parse.parse_qsl(self.rfile.read(n).decode("utf-8", "replace"),
                                           max_num_fields=20))

    def do_GET(self):  # noqa: N802 - http.server's naming
        path = urllib.parse.urlsplit(self.path).path
        self.dispatch(lambda: self.route_get(path))

    def do_POST(self):  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        self.dispatch(lambda: self.route_post(path))

    def dispatch(self, fn):
        try:
            fn()
        except DemoError as e:
            self.send_html(400, error_page(str(e)))
        except Exception as e:  # noqa: BLE001 - a demo page: show a fixed text, log the type
            sys.stderr.write("demo-provider: %s on %s\n" % (type(e).__name__,
                                                            urllib.parse.urlsplit(self.path).path))
            self.send_html(502, error_page(
                "Het antwoord is niet geaccepteerd (%s)." % type(e).__name__))

    def route_get(self, path):
        if path == "/":
            self.send_html(200, start_page(self.site))
        elif path == "/saml/acs":
            self.send_html(200, result_page(self.site, saml_finish(self.site, self.query())))
        elif path == "/oidc/callback":
            self.send_html(200, result_page(self.site, oidc_finish(self.site, self.query())))
        elif path == "/saml/metadata":
            data = pysaml2_sp.sp_metadata(self.site.settings()).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.send_html(404, error_page("Deze pagina bestaat niet."))

    def route_post(self, path):
        if path == "/inloggen":
            f = self.form()
            rep = f.get("vertegenwoordiging", "optioneel")
            if rep not in REPRESENTATION:
                raise DemoError("Kies optioneel, verplicht of geen.")
            try:
                level = int(f.get("loa", "10"))
            except ValueError:
                level = -1
            if level not in LOA_BY_LEVEL:
                raise DemoError("Onbekend betrouwbaarheidsniveau.")
            if f.get("methode") == "saml":
                self.redirect(saml_start(self.site, rep, level))
            elif f.get("methode") == "oidc":
                self.redirect(oidc_start(self.site, rep, level))
            else:
                raise DemoError("Kies SAML of OpenID Connect.")
        elif path == "/saml/acs":
            self.send_html(200, result_page(self.site, saml_finish(self.site, self.form())))
        else:
            self.send_html(404, error_page("Deze pagina bestaat niet."))

    def log_message(self, fmt, *args):
        # Only method and path: query strings carry artifacts and codes.
        sys.stderr.write("demo-provider: %s %s\n" % (
            self.command, urllib.parse.urlsplit(self.path).path))


def main(argv):
    args = parse_args(argv)
    site = Site(args)
    if args.print_saml_metadata:
        sys.stdout.write(pysaml2_sp.sp_metadata(site.settings()) + "\n")
        return 0
    if args.print_oidc_client:
        print(args.oidc_client_id, site.redirect_uri, site.secret_file)
        return 0
    Handler.site = site
    server = http.server.ThreadingHTTPServer((args.address, args.port), Handler)
    server.daemon_threads = True
    if args.server_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.server_cert, args.server_key)
        # The handshake happens on the first read, in the connection's own thread, so a
        # client that never sends a ClientHello cannot stall the accept loop.
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    print("demo-provider listening on %s/ (SAML entity %s, OIDC client %s)" % (
        args.base_url, site.entity_id, args.oidc_client_id), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
