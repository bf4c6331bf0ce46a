#!/usr/bin/python3
"""E2E negative cases through the real endpoints (volmacht serve + digid-sim over loopback):
unsigned, wrongly signed, tampered and SHA-1 signed AuthnRequests, unknown issuer, ACS not in
the metadata, ArtifactResolve unsigned / from the wrong party (another provider's client
certificate) / replayed, a Response for another SP (wrong audience, and its EncryptedIDs do
not decrypt with the other SP's key), OIDC redirect URI mismatch, unknown client, wrong PKCE
verifier, code replay. Each gets the right status and leaks nothing (no BSN, no echo of the
request, no internals).

Not here: the late artifact (15 minutes) and the expired OIDC code (60 s) need a clock we
cannot move in a running process without waiting; they are covered with an injected clock in
src/saml/combi_connect_test.cc (LateArtifactGetsRequesterRequestDenied,
LassoSpTest.FailureStatusesAndLateAndReplayedArtifacts) and src/oidc/oidc_provider_test.cc
(ExpiredCodeIsInvalidGrant).

    negative.py <build dir> <source dir>      exit 0 pass, 1 fail
"""

import base64
import hashlib
import os
import re
import secrets
import subprocess
import sys
import urllib.parse

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)

import requests  # noqa: E402

import checks  # noqa: E402
import stack  # noqa: E402  (puts tests/interop on the path)
import pysaml2_sp  # noqa: E402
import weblogin  # noqa: E402

SAMLP = "urn:oasis:names:tc:SAML:2.0:status:"
FORBIDDEN = (403,)  # no/bad signature, unknown issuer (CombiConnectIdp: kForbidden)


def main():
    bin_dir, src_dir = checks.args_or_exit("negative.py <build dir> <source dir>")
    c = checks.Checks()
    bsns = checks.fixture_bsns(src_dir)
    try:
        st = stack.Stack(bin_dir, src_dir, demo_provider=False).__enter__()
    except stack.StackError as e:
        print("FAIL stack: %s" % e)
        return 1
    try:
        uwv, bd = st.sp["uwv"], st.sp["bd"]
        acs = uwv["settings"]["acs_url"]

        def refused_request(req, what, settings, statuses=(400,)):
            """The SSO endpoint answers an error page: 4xx, no redirect, nothing echoed."""
            if "query" in req:
                r = requests.get(req["url"], verify=st.ca, allow_redirects=False, timeout=20)
            else:
                r = requests.post(req["url"], data=req["form_body"], verify=st.ca,
                                  allow_redirects=False, timeout=20,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
            c.check(r.status_code in statuses, "%s: HTTP %s (got %d)" % (
                what, "/".join(map(str, statuses)), r.status_code))
            c.check("Location" not in r.headers, "%s: no redirect" % what)
            c.no_echo(r.text, [settings["entity_id"], settings["acs_url"], "rs-neg",
                               req["request_id"]], what)
            c.check(checks.no_traceback(r.text), "%s: no internals in the page" % what)
            c.check("SAMLart" not in r.text and "SAMLResponse" not in r.text,
                    "%s: no SAML answer" % what)
            return r

        def make(settings, **kw):
            return pysaml2_sp.make_request(settings, kw.pop("binding", "redirect"),
                                           "optional", stack.SVC_WW, 25, relay_state="rs-neg",
                                           **kw)

        s = uwv["settings"]

        def unsigned():
            refused_request(make(s, unsigned=True), "unsigned Redirect AuthnRequest", s, FORBIDDEN)
            refused_request(make(s, binding="post", unsigned=True),
                            "unsigned POST AuthnRequest", s, FORBIDDEN)
        c.scenario("unsigned AuthnRequest", unsigned)

        other_key = os.path.join(st.work, "other-key.pem")
        other_cert = os.path.join(st.work, "other-cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        other_key, "-out", other_cert, "-days", "3", "-subj", "/CN=intruder"],
                       check=True, capture_output=True)

        def wrong_key():
            refused_request(make(s, signing_key=other_key, signing_cert=other_cert),
                            "Redirect AuthnRequest signed with another key", s, FORBIDDEN)
            refused_request(make(s, binding="post", signing_key=other_key,
                                 signing_cert=other_cert),
                            "POST AuthnRequest signed with another key", s, FORBIDDEN)
        c.scenario("wrongly signed AuthnRequest", wrong_key)

        def tampered():
            req = make(s)
            q = req["query"].replace("RelayState=rs-neg", "RelayState=rs-neX")
            c.check(q != req["query"], "tampered: RelayState changed after signing")
            req = dict(req, url=req["url"].split("?")[0] + "?" + q, query=q)
            refused_request(req, "tampered Redirect AuthnRequest", s, FORBIDDEN)
        c.scenario("tampered AuthnRequest", tampered)

        def sha1():
            refused_request(make(s, sig_alg="sha1"), "RSA-SHA1 signed Redirect AuthnRequest", s,
                            (400, 403))
            refused_request(make(s, binding="post", sig_alg="sha1"),
                            "RSA-SHA1 signed POST AuthnRequest", s, (400, 403))
        c.scenario("SHA-1 signature", sha1)

        def unknown_issuer():
            stranger = dict(s, entity_id="urn:nl-eid-gdi:1.0:DV:00000009999999999000:entities:9099")
            refused_request(make(stranger), "unknown issuer", stranger, FORBIDDEN)
        c.scenario("unknown issuer", unknown_issuer)

        def acs_not_registered():
            evil = "https://evil.e2e.test/acs"
            req = make(s, acs_url=evil)
            r = refused_request(req, "ACS not in the metadata", s)
            c.check(evil not in r.text, "ACS not in the metadata: the URL is not echoed")
        c.scenario("ACS not in metadata", acs_not_registered)

        def no_service():
            req = pysaml2_sp.make_request(s, "redirect", "optional", None, 25,
                                          relay_state="rs-neg")
            refused_request(req, "AuthnRequest without ServiceUUID", s)
        c.scenario("AuthnRequest without ServiceUUID", no_service)

        # --- ArtifactResolve
        def issue_artifact():
            req = make(s)
            out = weblogin.Browser(st.ca).login(req["url"], acs, stack.AGENT,
                                                choose=stack.PRINCIPAL_NAME)
            if out.kind != "redirect":
                raise AssertionError("no artifact issued: %r" % out)
            return req, out.query()["SAMLart"]

        def post_soap(settings, soap, cert_stem):
            return requests.post(
                urllib.parse.urljoin(st.api_url, "/saml/idp/artifact"), data=soap,
                verify=os.path.join(st.certs, "ca.pem"),
                cert=(os.path.join(st.certs, cert_stem + ".pem"),
                      os.path.join(st.certs, cert_stem + "-key.pem")),
                headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=20)

        def soap_refused(r, what):
            c.check(r.status_code != 200 or "<samlp:Response" not in r.text and
                    "Assertion" not in r.text, "%s: no Response handed out (HTTP %d)" % (
                        what, r.status_code))
            c.check(r.status_code in (400, 403, 500) or "Fault" in r.text or
                    "RequestDenied" in r.text, "%s: refused" % what)
            c.no_bsn(r.text, what, bsns)
            c.check(checks.no_traceback(r.text), "%s: no internals" % what)

        def wrong_party():
            req, art = issue_artifact()
            resolve, _ = pysaml2_sp.resolve_request(s, art)
            # The right SOAP message (signed by UWV's SP) over Belastingdienst's TLS cert.
            r = post_soap(s, resolve["soap"], "belastingdienst")
            soap_refused(r, "ArtifactResolve with another provider's client certificate")
            c.eq(r.status_code, 403, "wrong client certificate: HTTP 403")
            # Belastingdienst's SP asking for UWV's artifact, signed and sent by itself.
            other, _ = pysaml2_sp.resolve_request(bd["settings"], art)
            r = post_soap(bd["settings"], other["soap"], "belastingdienst")
            soap_refused(r, "ArtifactResolve by another provider for this artifact")
            # Unsigned: the signature stripped.
            unsigned = re.sub(r"<(\w+:)?Signature\b.*?</(\w+:)?Signature>", "",
                              resolve["soap"], flags=re.S)
            c.check(unsigned != resolve["soap"], "unsigned ArtifactResolve prepared")
            r = post_soap(s, unsigned, "uwv")
            soap_refused(r, "unsigned ArtifactResolve")
            # ... and the artifact is still there for its own provider, once.
            got = pysaml2_sp.consume(s, artifact=art, request_id=req["request_id"])
            c.eq(got.get("status"), SAMLP + "Success", "the right party still resolves it")
            c.eq(got.get("legal_bsn"), stack.PRINCIPAL, "... with the subjects")
            again = pysaml2_sp.consume(s, artifact=art, request_id=req["request_id"])
            c.check(again.get("status") is None and "legal_bsn" not in again,
                    "replayed artifact: no Response the second time")
            c.eq(again.get("artifact_response_status", {}).get("status"), SAMLP + "Success",
                 "replayed artifact: an empty ArtifactResponse (SAML core 3.5.3)")
        c.scenario("ArtifactResolve: wrong party, unsigned, replay", wrong_party)

        def no_client_cert():
            _, art = issue_artifact()
            resolve, _ = pysaml2_sp.resolve_request(s, art)
            try:
                r = requests.post(st.api_url + "/saml/idp/artifact", data=resolve["soap"],
                                  verify=os.path.join(st.certs, "ca.pem"), timeout=20)
                c.check(r.status_code in (401, 403), "no client certificate: refused (HTTP %d)"
                        % r.status_code)
            except requests.exceptions.SSLError:
                c.check(True, "no client certificate: refused by TLS")
        c.scenario("ArtifactResolve without a client certificate", no_client_cert)

        def wrong_audience():
            req = pysaml2_sp.make_request(bd["settings"], "redirect", "optional",
                                          stack.SVC_AANGIFTE, 20, relay_state="rs-neg")
            out = weblogin.Browser(st.ca).login(req["url"], bd["settings"]["acs_url"],
                                                stack.AGENT, choose=stack.PRINCIPAL_NAME)
            c.eq(out.kind, "post", "Belastingdienst's SP gets a POSTed Response")
            response = out.fields["SAMLResponse"]
            # UWV's SP is handed Belastingdienst's Response (same IdP, valid signature).
            try:
                got = pysaml2_sp.consume(s, saml_response=response, request_id=req["request_id"])
                c.check(False, "wrong audience accepted: %s" % sorted(got))
            except Exception as e:  # noqa: BLE001 - pysaml2 raises its own types
                c.check(True, "wrong audience refused by pysaml2 (%s)" % type(e).__name__)
            xml = base64.b64decode(response).decode()
            import xml.etree.ElementTree as ET
            from cryptography.hazmat.primitives import serialization
            with open(s["key_file"], "rb") as f:
                key = serialization.load_pem_private_key(f.read(), password=None)
            enc = ET.fromstring(xml).findall(".//saml:EncryptedID", pysaml2_sp.NS)
            c.eq(len(enc), 2, "two EncryptedIDs in the Response")
            for e in enc:
                try:
                    pysaml2_sp.decrypt_encrypted_id(e, key)
                    c.check(False, "EncryptedID decrypted with another SP's key")
                except Exception:  # noqa: BLE001 - OAEP decryption fails with ValueError
                    c.check(True, "EncryptedID does not decrypt with another SP's key")
            c.no_bsn(xml, "the Response in the browser", bsns)
        c.scenario("Response for another SP (audience, encryption)", wrong_audience)

        # --- OIDC through the real endpoints
        oc = st.oidc_client
        issuer = st.oidc_issuer

        def authorize_params(**kw):
            verifier = secrets.token_urlsafe(32)
            p = {"response_type": "code", "client_id": oc["client_id"],
                 "redirect_uri": oc["redirect_uri"],
                 "scope": "openid urn:nl-eid-gdi:1.0:ServiceUUID:" + oc["service"],
                 "state": "st-neg", "nonce": "n-neg", "code_challenge_method": "S256",
                 "code_challenge": base64.urlsafe_b64encode(
                     hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode(),
                 "vertegenwoordiging": "optioneel"}
            p.update(kw)
            return p, verifier

        def redirect_mismatch():
            for uri in ("https://evil.e2e.test/callback", oc["redirect_uri"] + "/x",
                        oc["redirect_uri"] + "?a=b"):
                p, _ = authorize_params(redirect_uri=uri)
                r = requests.get(issuer + "/authorize", params=p, verify=st.ca,
                                 allow_redirects=False, timeout=20)
                c.eq(r.status_code, 400, "redirect_uri %s: HTTP 400" % uri)
                c.check("Location" not in r.headers, "redirect_uri mismatch: never redirected")
                c.no_echo(r.text, ["evil.e2e.test", "st-neg"], "redirect_uri mismatch page")
            p, _ = authorize_params(client_id="nobody")
            r = requests.get(issuer + "/authorize", params=p, verify=st.ca,
                             allow_redirects=False, timeout=20)
            c.check(r.status_code in (400, 404), "unknown client_id: an error page (HTTP %d)"
                    % r.status_code)
            c.check("Location" not in r.headers, "unknown client_id: never redirected")
        c.scenario("OIDC: redirect URI mismatch, unknown client", redirect_mismatch)

        def code_flow(p):
            url = issuer + "/authorize?" + urllib.parse.urlencode(p)
            out = weblogin.Browser(st.ca).login(url, oc["redirect_uri"], stack.AGENT,
                                                choose=stack.PRINCIPAL_NAME)
            if out.kind != "redirect":
                raise AssertionError("no redirect back: %r" % out)
            c.no_bsn(" ".join(out.history), "OIDC URLs", bsns)
            return out.query()

        def token(code, verifier, secret=None):
            return requests.post(issuer + "/token", verify=st.ca, timeout=20, data={
                "grant_type": "authorization_code", "code": code,
                "redirect_uri": oc["redirect_uri"], "code_verifier": verifier},
                auth=(oc["client_id"], secret or oc["secret"]))

        def pkce_and_replay():
            p, verifier = authorize_params()
            q = code_flow(p)
            c.eq(q.get("state"), "st-neg", "state returned")
            c.eq(q.get("iss"), issuer, "iss returned (RFC 9207)")
            r = token(q["code"], secrets.token_urlsafe(32))
            c.eq((r.status_code, r.json().get("error")), (400, "invalid_grant"),
                 "wrong PKCE verifier -> 400 invalid_grant")
            c.no_bsn(r.text, "token error", bsns)
            r = token(q["code"], verifier)
            c.eq((r.status_code, r.json().get("error")), (400, "invalid_grant"),
                 "the code is spent by the failed attempt")
            p, verifier = authorize_params()
            q = code_flow(p)
            r = token(q["code"], verifier, secret="not-the-secret")
            c.eq(r.status_code, 401, "wrong client secret -> 401")
            c.check("WWW-Authenticate" in r.headers, "401 carries WWW-Authenticate")
            p, verifier = authorize_params()
            q = code_flow(p)
            r = token(q["code"], verifier)
            c.eq(r.status_code, 200, "right verifier -> tokens")
            access = r.json().get("access_token")
            r2 = token(q["code"], verifier)
            c.eq((r2.status_code, r2.json().get("error")), (400, "invalid_grant"),
                 "code replay -> invalid_grant")
            u = requests.get(issuer + "/userinfo", verify=st.ca, timeout=20,
                             headers={"Authorization": "Bearer " + access})
            c.eq(u.status_code, 401, "after a code replay the access token is revoked")
        c.scenario("OIDC: wrong PKCE verifier, wrong secret, code replay", pkce_and_replay)

        def oidc_plain_pkce():
            p, _ = authorize_params(code_challenge_method="plain")
            r = requests.get(issuer + "/authorize", params=p, verify=st.ca,
                             allow_redirects=False, timeout=20)
            loc = r.headers.get("Location", "")
            c.check(r.status_code in (302, 303) and loc.startswith(oc["redirect_uri"]) and
                    "error=invalid_request" in loc, "PKCE plain -> error redirect invalid_request")
        c.scenario("OIDC: PKCE plain refused", oidc_plain_pkce)

        for name in ("volmacht", "digid-sim"):
            c.no_bsn(st.log(name), "%s log" % name, bsns)
    finally:
        c.no_bsn_in_logs(st)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
