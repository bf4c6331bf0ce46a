#!/usr/bin/python3
"""An independent SAML 2.0 service provider (pysaml2) for Combi-Connect interop tests.

Run with Debian's /usr/bin/python3 (it sees python3-pysaml2). A small library plus a CLI; every
command prints one JSON object on stdout and exits 0, or prints {"error": ...} and exits 2.

SP configuration: a JSON file
  {"entity_id": "urn:nl-eid-gdi:1.0:DV:<OIN>:entities:9001",
   "acs_url": "https://sp.test/acs",            # one URL, registered for Artifact and POST
   "key_file": "sp-key.pem", "cert_file": "sp.pem",   # SAML signing + decryption (RSA)
   "idp_metadata_file": "idp.xml",              # volmacht's Combi-Connect metadata
   "tls_cert": "client.pem", "tls_key": "client-key.pem", "ca_file": "ca.pem"}  # mutual TLS

Commands
  metadata      --sp-config F                       SP metadata XML ({"metadata": ...})
  make-request  --sp-config F [--binding redirect|post] [--scoping optional|mandatory|none]
                --service UUID --min-loa 10|20|25|30 [--relay-state S] [--acs-url URL]
                [--sig-alg sha256|sha1] [--unsigned] [--signing-key K --signing-cert C]
                [--no-rac]
                -> {"request_id", "binding", "url", "query" | "form_body", "html"}
  resolve-request --sp-config F --artifact A [--time-offset SECONDS]
                -> {"soap": <signed ArtifactResolve envelope>, "destination": ...}
  consume       --sp-config F (--artifact A | --artifact-response-file F | --saml-response B64)
                [--request-id ID]
                --artifact: resolves it over mutual TLS (tls_cert/tls_key, ca_file);
                --artifact-response-file: a SOAP ArtifactResponse already fetched;
                --saml-response: the POSTed SAMLResponse value.
                pysaml2 validates the Response (assertion signature, audience, bearer
                confirmation, InResponseTo, times); this script then decrypts the EncryptedIDs
                itself with the SP key and prints
                {"status", "status_detail", "acting_bsn", "legal_bsn", "service_uuid", "loa",
                 "audience", "in_response_to", "recipient", "issue_instant",
                 "not_on_or_after", "name_id_format", "qualifiers", "algorithms", ...}
"""

import argparse
import base64
import json
import re
import sys
import xml.etree.ElementTree as ET

import saml2
import saml2.entity
from saml2 import BINDING_HTTP_ARTIFACT, BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP
from saml2 import saml, samlp
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_TRANSIENT
from saml2.s_utils import sid
from saml2.xmldsig import (DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256)

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NS = {
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "soap": "http://schemas.xmlsoap.org/soap/envelope/",
}
LOA_REFS = {
    10: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    20: "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
    25: "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
    30: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
}
SERVICE_UUID = "urn:nl-eid-gdi:1.0:ServiceUUID"
ACTING = "urn:nl-eid-gdi:1.0:ActingSubjectID"
LEGAL = "urn:nl-eid-gdi:1.0:LegalSubjectID"
RSA_OAEP_MGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
AES256_CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"


class SpError(Exception):
    pass


# ---------------------------------------------------------------- library

def load_settings(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def make_client(settings, signing_key=None, signing_cert=None):
    conf = {
        "entityid": settings["entity_id"],
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "key_file": signing_key or settings["key_file"],
        "cert_file": signing_cert or settings["cert_file"],
        "encryption_keypairs": [{"key_file": settings["key_file"],
                                 "cert_file": settings["cert_file"]}],
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [
                (settings["acs_url"], BINDING_HTTP_ARTIFACT),
                (settings["acs_url"], BINDING_HTTP_POST),
            ]},
            "authn_requests_signed": True,
            "want_assertions_signed": True,
            # The Response itself travels in a signed ArtifactResponse (artifact binding) or
            # carries a signed assertion (POST): pysaml2 checks the assertion signature.
            "want_response_signed": False,
            "allow_unsolicited": False,
            "name_id_format": [NAMEID_FORMAT_TRANSIENT],
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
        }},
        "allow_unknown_attributes": True,
        "accepted_time_diff": 30,
        "delete_tmpfiles": True,
    }
    if settings.get("idp_metadata_file"):
        conf["metadata"] = {"local": [settings["idp_metadata_file"]]}
    cfg = SPConfig()
    cfg.load(conf)
    client = Saml2Client(config=cfg)
    # Mutual TLS for ArtifactResolve with the organisation's TLS certificate (PKIoverheid in
    # production), which is not the SAML signing key pysaml2 would use by default.
    if settings.get("tls_cert"):
        client.request_args["cert"] = (settings["tls_cert"], settings["tls_key"])
    client.request_args["verify"] = settings.get("ca_file") or True
    return client


def the_idp(client):
    idps = list(client.metadata.identity_providers())
    if len(idps) != 1:
        raise SpError("expected exactly one IdP in the metadata")
    return idps[0]


def sp_metadata(settings):
    from saml2.metadata import entity_descriptor
    client_cfg = make_client(settings).config
    return str(entity_descriptor(client_cfg))


def make_request(settings, binding="redirect", scoping="optional", service=None, min_loa=10,
                 relay_state="", acs_url=None, sig_alg="sha256", unsigned=False,
                 signing_key=None, signing_cert=None, with_rac=True):
    client = make_client(settings, signing_key, signing_cert)
    idp = the_idp(client)
    http_binding = BINDING_HTTP_REDIRECT if binding == "redirect" else BINDING_HTTP_POST
    destination = client.metadata.single_sign_on_service(idp, http_binding)[0]["location"]
    sign_alg, digest_alg = ((SIG_RSA_SHA1, DIGEST_SHA1) if sig_alg == "sha1"
                            else (SIG_RSA_SHA256, DIGEST_SHA256))

    extensions = None
    if service:
        attr = saml.Attribute(name=SERVICE_UUID,
                              name_format="urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                              attribute_value=[saml.AttributeValue(text=service)])
        extensions = samlp.Extensions(
            extension_elements=[saml2.element_to_extension_element(attr)])
    scope = None
    if scoping == "optional":
        scope = samlp.Scoping(idp_list=samlp.IDPList(idp_entry=[samlp.IDPEntry(provider_id=idp)]))
    elif scoping == "mandatory":
        scope = samlp.Scoping(requester_id=[samlp.RequesterID(text=idp)])
    kwargs = {}
    if with_rac:
        kwargs["requested_authn_context"] = samlp.RequestedAuthnContext(
            authn_context_class_ref=[saml.AuthnContextClassRef(text=LOA_REFS[int(min_loa)])],
            comparison="minimum")
    req_id, req = client.create_authn_request(
        destination, binding=BINDING_HTTP_ARTIFACT, extensions=extensions, scoping=scope,
        sign=(http_binding == BINDING_HTTP_POST and not unsigned), sign_alg=sign_alg,
        digest_alg=digest_alg, nameid_format=NAMEID_FORMAT_TRANSIENT,
        assertion_consumer_service_url=acs_url or settings["acs_url"], **kwargs)
    out = {"request_id": req_id, "binding": binding}
    if http_binding == BINDING_HTTP_REDIRECT:
        info = client.apply_binding(http_binding, str(req), destination, relay_state,
                                    sign=not unsigned, sigalg=sign_alg)
        url = dict(info["headers"])["Location"]
        out["url"] = url
        out["query"] = url.split("?", 1)[1]
    else:
        from urllib.parse import urlencode
        encoded = base64.b64encode(str(req).encode("utf-8")).decode("ascii")
        fields = {"SAMLRequest": encoded}
        if relay_state:
            fields["RelayState"] = relay_state
        out["url"] = destination
        out["form_body"] = urlencode(fields)
        out["html"] = client.apply_binding(http_binding, str(req), destination,
                                           relay_state)["data"]
    return out


def _instant_shifted(seconds):
    import datetime
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve_request(settings, artifact, time_offset=0):
    client = make_client(settings)
    destination = client.artifact2destination(artifact, "idpsso")
    if not destination:
        raise SpError("artifact source not in the IdP metadata")
    if time_offset:
        saml2.entity.instant = lambda *a, **k: _instant_shifted(time_offset)
    _, msg = client.create_artifact_resolve(artifact, destination, sid(), sign=True,
                                            sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    info = client.use_soap(msg, destination)
    return {"soap": info["data"], "destination": destination}, client


def fetch_artifact_response(settings, artifact):
    req, client = resolve_request(settings, artifact)
    r = client.send(req["destination"], "POST", data=req["soap"],
                    headers={"content-type": "text/xml; charset=utf-8"})
    if r.status_code != 200:
        raise SpError("ArtifactResolve answered HTTP %d" % r.status_code)
    return r.text


_START_TAG = re.compile(r"<(?:([A-Za-z_][\w.-]*):)?(\w+)\b([^>]*)>", re.S)
_XMLNS = re.compile(r"""xmlns(?::([\w.-]+))?\s*=\s*("[^"]*"|'[^']*')""")


def extract_response(soap_text):
    """The samlp:Response inside an ArtifactResponse, as the exact bytes it was signed in, with
    the namespace declarations of its ancestors added to its start tag (exclusive c14n of the
    signed assertion is unaffected; re-serialising instead would break the signature)."""
    root = ET.fromstring(soap_text)
    ar = root.find(".//samlp:ArtifactResponse", NS)
    if ar is None:
        raise SpError("no ArtifactResponse")
    status = _status_of(ar)
    inner = ar.find("samlp:Response", NS)
    if inner is None:
        return None, status
    declared = {}
    for m in _START_TAG.finditer(soap_text):
        prefix, local, attrs = m.group(1), m.group(2), m.group(3)
        for d in _XMLNS.finditer(attrs):
            declared.setdefault(d.group(1) or "", d.group(0))
        if local == "Response" and _resolves_to(prefix, attrs, declared, NS["samlp"]):
            end_name = (prefix + ":" if prefix else "") + "Response"
            end = soap_text.find("</" + end_name + ">", m.end())
            if end < 0:
                raise SpError("unterminated Response")
            body = soap_text[m.start():end + len(end_name) + 3]
            own = {d.group(1) or "" for d in _XMLNS.finditer(attrs)}
            extra = " ".join(v for k, v in declared.items() if k not in own)
            tag_end = len("<" + end_name)
            return body[:tag_end] + (" " + extra if extra else "") + body[tag_end:], status
    raise SpError("Response not found")


def _resolves_to(prefix, attrs, declared, ns):
    for d in _XMLNS.finditer(attrs):
        if (d.group(1) or "") == (prefix or ""):
            return d.group(2)[1:-1] == ns
    decl = declared.get(prefix or "")
    return decl is not None and ns in decl


def _status_of(elem):
    code = elem.find("samlp:Status/samlp:StatusCode", NS)
    if code is None:
        return {"status": None, "status_detail": None}
    sub = code.find("samlp:StatusCode", NS)
    return {"status": code.get("Value"),
            "status_detail": sub.get("Value") if sub is not None else None}


def decrypt_encrypted_id(enc, private_key):
    """EncryptedID -> (NameID text, NameQualifier, algorithms), decrypted here, not by pysaml2."""
    ed = enc.find("xenc:EncryptedData", NS)
    ek = enc.find(".//xenc:EncryptedKey", NS)
    if ed is None or ek is None:
        raise SpError("EncryptedID without EncryptedData/EncryptedKey")
    key_alg = ek.find("xenc:EncryptionMethod", NS).get("Algorithm")
    data_alg = ed.find("xenc:EncryptionMethod", NS).get("Algorithm")
    if key_alg != RSA_OAEP_MGF1P or data_alg != AES256_CBC:
        raise SpError("unexpected encryption algorithms %s / %s" % (key_alg, data_alg))
    wrapped = base64.b64decode(ek.find("xenc:CipherData/xenc:CipherValue", NS).text)
    sym = private_key.decrypt(wrapped, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()),
                                                    algorithm=hashes.SHA1(), label=None))
    data = base64.b64decode(ed.find("xenc:CipherData/xenc:CipherValue", NS).text)
    iv, body = data[:16], data[16:]
    dec = Cipher(algorithms.AES(sym), modes.CBC(iv)).decryptor()
    plain = dec.update(body) + dec.finalize()
    plain = plain[:-plain[-1]]  # xmlenc padding: the last byte is the pad length
    text = plain.decode("utf-8")
    if "xmlns:saml=" not in text.split(">", 1)[0]:
        text = text.replace("<saml:NameID", '<saml:NameID xmlns:saml="%s"' % NS["saml"], 1)
    name_id = ET.fromstring(text)
    return name_id.text, name_id.get("NameQualifier"), {"key": key_alg, "data": data_alg,
                                                         "key_bits": len(sym) * 8}


def read_assertion(response_xml, settings):
    """Reads the values out of a Response pysaml2 has already validated."""
    with open(settings["key_file"], "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    root = ET.fromstring(response_xml)
    out = _status_of(root)
    a = root.find("saml:Assertion", NS)
    if a is None:
        return out
    out["issuer"] = a.findtext("saml:Issuer", namespaces=NS)
    out["issue_instant"] = a.get("IssueInstant")
    nid = a.find("saml:Subject/saml:NameID", NS)
    out["name_id_format"] = nid.get("Format") if nid is not None else None
    scd = a.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
    sc = a.find("saml:Subject/saml:SubjectConfirmation", NS)
    out["confirmation_method"] = sc.get("Method") if sc is not None else None
    out["recipient"] = scd.get("Recipient")
    out["in_response_to"] = scd.get("InResponseTo")
    out["not_on_or_after"] = scd.get("NotOnOrAfter")
    cond = a.find("saml:Conditions", NS)
    out["conditions_not_before"] = cond.get("NotBefore")
    out["conditions_not_on_or_after"] = cond.get("NotOnOrAfter")
    out["audience"] = [x.text for x in cond.findall(".//saml:Audience", NS)]
    out["loa"] = a.findtext("saml:AuthnStatement/saml:AuthnContext/saml:AuthnContextClassRef",
                            namespaces=NS)
    sig = a.find("ds:Signature/ds:SignedInfo", NS)
    out["signature_method"] = sig.find("ds:SignatureMethod", NS).get("Algorithm")
    out["digest_method"] = sig.find("ds:Reference/ds:DigestMethod", NS).get("Algorithm")
    out["c14n"] = sig.find("ds:CanonicalizationMethod", NS).get("Algorithm")
    out["qualifiers"] = {}
    out["algorithms"] = {}
    for attr in a.findall("saml:AttributeStatement/saml:Attribute", NS):
        name = attr.get("Name")
        value = attr.find("saml:AttributeValue", NS)
        enc = value.find("saml:EncryptedID", NS)
        if name == SERVICE_UUID:
            out["service_uuid"] = (value.text or "").strip()
        elif name in (ACTING, LEGAL) and enc is not None:
            bsn, qualifier, algs = decrypt_encrypted_id(enc, key)
            field = "acting_bsn" if name == ACTING else "legal_bsn"
            out[field] = bsn
            out["qualifiers"][field] = qualifier
            out["algorithms"][field] = algs
        elif name in (ACTING, LEGAL):
            out["plaintext_" + ("acting" if name == ACTING else "legal")] = True
    return out


def consume_response_xml(settings, response_xml, request_id):
    status = _status_of(ET.fromstring(response_xml))
    if status["status"] != "urn:oasis:names:tc:SAML:2.0:status:Success":
        return status
    client = make_client(settings)
    outstanding = {request_id: "/"} if request_id else None
    if not request_id:
        client.allow_unsolicited = True
    b64 = base64.b64encode(response_xml.encode("utf-8")).decode("ascii")
    resp = client.parse_authn_request_response(b64, BINDING_HTTP_POST, outstanding=outstanding)
    if resp is None:
        raise SpError("pysaml2 did not accept the response")
    out = read_assertion(response_xml, settings)
    out["pysaml2_validated"] = True
    return out


def consume(settings, artifact=None, artifact_response_text=None, saml_response=None,
            request_id=None):
    if saml_response is not None:
        xml = base64.b64decode(saml_response).decode("utf-8")
        return consume_response_xml(settings, xml, request_id)
    if artifact is not None and artifact_response_text is None:
        artifact_response_text = fetch_artifact_response(settings, artifact)
    response_xml, ar_status = extract_response(artifact_response_text)
    if response_xml is None:
        return {"status": None, "status_detail": None, "artifact_response_status": ar_status,
                "message": "none"}
    out = consume_response_xml(settings, response_xml, request_id)
    out["artifact_response_status"] = ar_status
    return out


# ---------------------------------------------------------------- CLI

def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("metadata")
    m.add_argument("--sp-config", required=True)
    r = sub.add_parser("make-request")
    r.add_argument("--sp-config", required=True)
    r.add_argument("--binding", choices=["redirect", "post"], default="redirect")
    r.add_argument("--scoping", choices=["optional", "mandatory", "none"], default="optional")
    r.add_argument("--service")
    r.add_argument("--min-loa", type=int, choices=sorted(LOA_REFS), default=10)
    r.add_argument("--relay-state", default="")
    r.add_argument("--acs-url")
    r.add_argument("--sig-alg", choices=["sha256", "sha1"], default="sha256")
    r.add_argument("--unsigned", action="store_true")
    r.add_argument("--signing-key")
    r.add_argument("--signing-cert")
    r.add_argument("--no-rac", action="store_true")
    q = sub.add_parser("resolve-request")
    q.add_argument("--sp-config", required=True)
    q.add_argument("--artifact", required=True)
    q.add_argument("--time-offset", type=int, default=0)
    c = sub.add_parser("consume")
    c.add_argument("--sp-config", required=True)
    g = c.add_mutually_exclusive_group(required=True)
    g.add_argument("--artifact")
    g.add_argument("--artifact-response-file")
    g.add_argument("--saml-response")
    c.add_argument("--request-id")
    a = p.parse_args(argv)
    settings = load_settings(a.sp_config)
    try:
        if a.cmd == "metadata":
            out = {"metadata": sp_metadata(settings)}
        elif a.cmd == "make-request":
            out = make_request(settings, a.binding, a.scoping, a.service, a.min_loa,
                               a.relay_state, a.acs_url, a.sig_alg, a.unsigned,
                               a.signing_key, a.signing_cert, not a.no_rac)
        elif a.cmd == "resolve-request":
            out, _ = resolve_request(settings, a.artifact, a.time_offset)
        else:
            text = None
            if a.artifact_response_file:
                with open(a.artifact_response_file, encoding="utf-8") as f:
                    text = f.read()
            out = consume(settings, artifact=a.artifact, artifact_response_text=text,
                          saml_response=a.saml_response, request_id=a.request_id)
    except Exception as e:  # noqa: BLE001 - the CLI reports every failure as JSON
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
