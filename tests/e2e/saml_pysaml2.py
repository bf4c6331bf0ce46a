#!/usr/bin/python3
"""E2E: an independent SAML SP (pysaml2, tests/interop/pysaml2_sp.py) logs people in through
volmacht (Combi-Connect IdP) and digid-sim, over loopback with the real programs:
representation optional / mandatory / none, "myself", acting for someone, LoA too low,
cancel at DigiD and on the choice page, nobody to act for; the response by artifact (UWV's SP,
ArtifactResolve over mutual TLS) and by HTTP-POST (Belastingdienst's SP); AuthnRequests by
HTTP-Redirect and HTTP-POST. pysaml2 validates each Response; the EncryptedIDs are decrypted
by the SP script itself.

    saml_pysaml2.py <build dir> <source dir>      exit 0 pass, 1 fail
"""

import os
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)

import checks  # noqa: E402
import stack  # noqa: E402  (puts tests/interop on the path)
import pysaml2_sp  # noqa: E402
import weblogin  # noqa: E402

SAMLP = "urn:oasis:names:tc:SAML:2.0:status:"


def main():
    bin_dir, src_dir = checks.args_or_exit("saml_pysaml2.py <build dir> <source dir>")
    c = checks.Checks()
    bsns = checks.fixture_bsns(src_dir)
    try:
        st = stack.Stack(bin_dir, src_dir, demo_provider=False).__enter__()
    except stack.StackError as e:
        print("FAIL stack: %s" % e)
        return 1
    try:
        uwv, bd = st.sp["uwv"], st.sp["bd"]

        def login(sp, scoping, service, min_loa, person, choose=None, loa=None,
                  cancel_at=None, binding="redirect"):
            req = pysaml2_sp.make_request(sp["settings"], binding, scoping, service, min_loa,
                                          relay_state="rs-e2e")
            b = weblogin.Browser(st.ca)
            if binding == "redirect":
                out = b.login(req["url"], sp["settings"]["acs_url"], person, loa=loa,
                              choose=choose, cancel_at=cancel_at)
            else:
                out = b.login(req["url"], sp["settings"]["acs_url"], person, loa=loa,
                              choose=choose, cancel_at=cancel_at, start_method="POST",
                              start_data=req["form_body"])
            c.no_bsn(" ".join(out.history), "URLs of the whole flow", bsns)
            return req, out

        def consume(sp, req, out):
            if sp["post_response"]:
                c.eq(out.kind, "post", "answered by a self-posting form")
                c.eq(out.fields.get("RelayState"), "rs-e2e", "RelayState returned")
                return pysaml2_sp.consume(sp["settings"], saml_response=out.fields["SAMLResponse"],
                                          request_id=req["request_id"])
            c.eq(out.kind, "redirect", "answered by a redirect to the ACS")
            q = out.query()
            c.eq(q.get("RelayState"), "rs-e2e", "RelayState returned")
            got = pysaml2_sp.consume(sp["settings"], artifact=q["SAMLart"],
                                     request_id=req["request_id"])
            c.eq(got.get("artifact_response_status", {}).get("status"), SAMLP + "Success",
                 "ArtifactResponse status")
            return got

        def success(got, sp, service, acting, legal, min_class):
            c.eq(got.get("status"), SAMLP + "Success", "status Success")
            c.check(got.get("pysaml2_validated") is True, "pysaml2 validated the Response")
            c.eq(got.get("acting_bsn"), acting, "ActingSubjectID (decrypted by the SP)")
            c.eq(got.get("legal_bsn"), legal, "LegalSubjectID (decrypted by the SP)")
            c.eq(got.get("service_uuid"), service, "ServiceUUID")
            level = {ref: lvl for lvl, ref in pysaml2_sp.LOA_REFS.items()}
            c.check(level.get(got.get("loa"), 0) >= min_class,
                    "LoA %s at least the minimum asked" % got.get("loa"))
            c.eq(got.get("audience"), [sp["settings"]["entity_id"]], "audience = the SP")
            c.eq(got.get("recipient"), sp["settings"]["acs_url"], "bearer Recipient = ACS")
            c.eq(got.get("name_id_format"),
                 "urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "transient NameID")
            c.eq(set(got.get("qualifiers", {}).values()), {"urn:nl-eid-gdi:1.0:id:legacy-BSN"},
                 "NameQualifier legacy-BSN")
            algs = got.get("algorithms", {}).get("acting_bsn", {})
            c.eq((algs.get("key"), algs.get("data"), algs.get("key_bits")),
                 (pysaml2_sp.RSA_OAEP_MGF1P, pysaml2_sp.AES256_CBC, 256), "RSA-OAEP + AES-256-CBC")
            c.eq(got.get("signature_method"), "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                 "assertion signed RSA-SHA256")
            c.check(not got.get("plaintext_acting") and not got.get("plaintext_legal"),
                    "no plaintext subject ids")

        def failure(got, detail):
            c.eq(got.get("status"), SAMLP + "Responder", "top-level status Responder")
            c.eq(got.get("status_detail"), SAMLP + detail, "second-level status " + detail)
            c.check(got.get("acting_bsn") is None and got.get("legal_bsn") is None,
                    "no subjects in a failure")

        # --- artifact binding (UWV SP), WW-uitkering (LoA Substantieel)
        def acting_for_someone():
            req, out = login(uwv, "optional", stack.SVC_WW, 25, stack.AGENT,
                             choose=stack.PRINCIPAL_NAME)
            got = consume(uwv, req, out)
            success(got, uwv, stack.SVC_WW, stack.AGENT, stack.PRINCIPAL, 25)
            c.eq(got.get("in_response_to"), req["request_id"], "InResponseTo")
            # The same artifact a second time: an ArtifactResponse without a message.
            again = pysaml2_sp.consume(uwv["settings"], artifact=out.query()["SAMLart"],
                                       request_id=req["request_id"])
            c.check(again.get("status") is None and again.get("message") == "none",
                    "replayed artifact: ArtifactResponse without the Response")
        c.scenario("artifact: optional, acting for someone", acting_for_someone)

        def myself_optional():
            req, out = login(uwv, "optional", stack.SVC_WW, 25, stack.AGENT, choose="mijzelf")
            success(consume(uwv, req, out), uwv, stack.SVC_WW, stack.AGENT, stack.AGENT, 25)
        c.scenario("artifact: optional, myself", myself_optional)

        def mandatory():
            b = weblogin.Browser(st.ca)
            req = pysaml2_sp.make_request(uwv["settings"], "redirect", "mandatory", stack.SVC_WW,
                                          25, relay_state="rs-e2e")
            out = b.follow("GET", req["url"], uwv["settings"]["acs_url"])
            out = b.submit(out, button="inloggen", overrides={"bsn": stack.AGENT},
                           stop_prefix=uwv["settings"]["acs_url"])
            c.eq(out.kind, "page", "mandatory: the choice page is shown")
            labels = sorted(weblogin.parse_page(out.text).labels.values())
            c.check(not any("Mijzelf" in lbl for lbl in labels), "mandatory: no 'Mijzelf' offered")
            c.check(any(stack.PRINCIPAL_NAME in lbl for lbl in labels), "principal offered by name")
            c.no_bsn(out.text, "choice page", checks.fixture_bsns(src_dir))
            # Choosing "mijzelf" anyway (a forged form) is refused.
            forged = b.submit(out, button="doorgaan", overrides={"keuze": "mijzelf"},
                              stop_prefix=uwv["settings"]["acs_url"])
            if forged.kind == "redirect":
                got = pysaml2_sp.consume(uwv["settings"], artifact=forged.query()["SAMLart"],
                                         request_id=req["request_id"])
                c.check(got.get("acting_bsn") is None, "forged 'mijzelf' gives no assertion")
                out = None
            else:
                c.check(forged.status in (200, 400, 403, 409, 422),
                        "forged 'mijzelf' refused on the page (HTTP %d)" % forged.status)
                out = forged if "/inloggen/kies" in forged.text else None
            if out is not None:
                out = b.submit(out, choose=stack.PRINCIPAL_NAME, button="doorgaan",
                               stop_prefix=uwv["settings"]["acs_url"])
                success(consume(uwv, req, out), uwv, stack.SVC_WW, stack.AGENT,
                        stack.PRINCIPAL, 25)
        c.scenario("artifact: mandatory, acting for someone", mandatory)

        def no_representation():
            req, out = login(uwv, "none", stack.SVC_WW, 25, stack.PRINCIPAL)
            success(consume(uwv, req, out), uwv, stack.SVC_WW, stack.PRINCIPAL,
                    stack.PRINCIPAL, 25)
        c.scenario("artifact: no representation asked (no choice page)", no_representation)

        def loa_too_low():
            req, out = login(uwv, "optional", stack.SVC_WW, 25, stack.AGENT, loa=20)
            failure(consume(uwv, req, out), "NoAuthnContext")
        c.scenario("artifact: LoA too low at DigiD -> NoAuthnContext", loa_too_low)

        def cancel_digid():
            req, out = login(uwv, "optional", stack.SVC_WW, 25, stack.AGENT, cancel_at="digid")
            failure(consume(uwv, req, out), "AuthnFailed")
        c.scenario("artifact: cancel at DigiD -> AuthnFailed", cancel_digid)

        def cancel_choice():
            req, out = login(uwv, "optional", stack.SVC_WW, 25, stack.AGENT, cancel_at="choice")
            failure(consume(uwv, req, out), "AuthnFailed")
        c.scenario("artifact: cancel on the choice page -> AuthnFailed", cancel_choice)

        def nobody_mandatory():
            req, out = login(uwv, "mandatory", stack.SVC_WW, 25, stack.LONER)
            failure(consume(uwv, req, out), "RequestDenied")
        c.scenario("artifact: mandatory but nobody to act for -> RequestDenied",
                   nobody_mandatory)

        def post_request():
            req, out = login(uwv, "optional", stack.SVC_WW, 25, stack.AGENT,
                             choose=stack.PRINCIPAL_NAME, binding="post")
            success(consume(uwv, req, out), uwv, stack.SVC_WW, stack.AGENT, stack.PRINCIPAL, 25)
        c.scenario("AuthnRequest by HTTP-POST (signed enveloped)", post_request)

        # --- HTTP-POST response binding (Belastingdienst SP), Aangifte (LoA Midden),
        # the demo mandate Pieter -> Willem.
        def post_acting():
            req, out = login(bd, "optional", stack.SVC_AANGIFTE, 20, stack.AGENT,
                             choose=stack.PRINCIPAL_NAME)
            c.no_bsn(out.text, "the self-posting form page", bsns)
            got = consume(bd, req, out)
            success(got, bd, stack.SVC_AANGIFTE, stack.AGENT, stack.PRINCIPAL, 20)
            c.eq(got.get("in_response_to"), req["request_id"], "InResponseTo")
        c.scenario("HTTP-POST response: optional, acting for someone", post_acting)

        def post_myself():
            req, out = login(bd, "optional", stack.SVC_AANGIFTE, 20, stack.AGENT,
                             choose="mijzelf")
            success(consume(bd, req, out), bd, stack.SVC_AANGIFTE, stack.AGENT, stack.AGENT, 20)
        c.scenario("HTTP-POST response: myself", post_myself)

        def post_mandatory():
            req, out = login(bd, "mandatory", stack.SVC_AANGIFTE, 20, stack.AGENT,
                             choose=stack.PRINCIPAL_NAME)
            success(consume(bd, req, out), bd, stack.SVC_AANGIFTE, stack.AGENT,
                    stack.PRINCIPAL, 20)
        c.scenario("HTTP-POST response: mandatory", post_mandatory)

        def post_refused():
            req, out = login(bd, "mandatory", stack.SVC_AANGIFTE, 20, stack.LONER)
            failure(consume(bd, req, out), "RequestDenied")
        c.scenario("HTTP-POST response: nobody to act for -> RequestDenied", post_refused)

        def post_loa_low():
            req, out = login(bd, "optional", stack.SVC_TOESLAGEN, 25, stack.AGENT, loa=20)
            failure(consume(bd, req, out), "NoAuthnContext")
        c.scenario("HTTP-POST response: LoA too low -> NoAuthnContext", post_loa_low)

        def post_cancel():
            req, out = login(bd, "optional", stack.SVC_AANGIFTE, 20, stack.AGENT,
                             cancel_at="digid")
            failure(consume(bd, req, out), "AuthnFailed")
        c.scenario("HTTP-POST response: cancel -> AuthnFailed", post_cancel)

        for name in ("volmacht", "digid-sim"):
            c.no_bsn(st.log(name), "%s log" % name, bsns)
    finally:
        c.no_bsn_in_logs(st)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
