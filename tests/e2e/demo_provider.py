#!/usr/bin/python3
"""E2E: tools/demo-provider against the real stack without a browser (the scripted browser
of weblogin.py): both buttons (SAML with artifact over mutual TLS, OpenID Connect) with
representation optional, mandatory and none, and what the result page shows; plus the
demo-provider's own refusals (unknown RelayState/state, a replayed artifact, bad input).

    demo_provider.py <build dir> <source dir>      exit 0 pass, 1 fail
"""

import html
import os
import re
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)

import requests  # noqa: E402

import checks  # noqa: E402
import stack  # noqa: E402
import weblogin  # noqa: E402

NEVER = "https://never.e2e.test/"  # follow everything: the flow ends on the demo's page


def field(text, ident):
    m = re.search(r'<dd id="%s">([^<]*)</dd>' % ident, text)
    return html.unescape(m.group(1)) if m else None


def main():
    bin_dir, src_dir = checks.args_or_exit("demo_provider.py <build dir> <source dir>")
    c = checks.Checks()
    bsns = checks.fixture_bsns(src_dir)
    try:
        st = stack.Stack(bin_dir, src_dir).__enter__()
    except stack.StackError as e:
        print("FAIL stack: %s" % e)
        return 1
    try:
        def run(method, rep, loa, person, choose=None, cancel_at=None):
            b = weblogin.Browser(st.ca)
            out = b.login(st.demo_url + "/inloggen", NEVER, person, choose=choose,
                          cancel_at=cancel_at, start_method="POST",
                          start_data={"methode": method, "vertegenwoordiging": rep,
                                      "loa": str(loa)})
            return b, out

        for method in ("saml", "oidc"):
            def acting(method=method):
                b, out = run(method, "optioneel", 10, stack.AGENT, choose=stack.PRINCIPAL_NAME)
                c.eq(out.status, 200, "%s: result page" % method)
                c.check(out.url.startswith(st.demo_url), "%s: back at the demo-provider" % method)
                c.check("Gelukt" in out.text, "%s: status Gelukt" % method)
                c.eq(field(out.text, "acting-bsn"), stack.AGENT, "%s: acting BSN" % method)
                c.eq(field(out.text, "legal-bsn"), stack.PRINCIPAL, "%s: legal BSN" % method)
                c.eq(field(out.text, "acting-for"), "namens een ander", "%s: acting for" % method)
                c.check(stack.SVC_PARKEREN in (field(out.text, "service") or ""),
                        "%s: ServiceUUID" % method)
                c.check((field(out.text, "loa") or "").startswith("Basis"), "%s: LoA" % method)
                c.no_bsn(" ".join(b.history), "%s: URLs" % method, bsns)
                if method == "saml":
                    # The browser replays the ACS URL: the pending login is gone.
                    r = requests.get(out.url, verify=st.ca, timeout=20)
                    c.eq(r.status_code, 400, "saml: ACS replay refused by the demo-provider")
                    c.no_bsn(r.text, "saml: ACS replay page", bsns)
            c.scenario("%s: optional, acting for someone" % method, acting)

            def mandatory(method=method):
                _, out = run(method, "verplicht", 10, stack.AGENT, choose=stack.PRINCIPAL_NAME)
                c.eq(field(out.text, "legal-bsn"), stack.PRINCIPAL, "%s mandatory: legal BSN"
                     % method)
            c.scenario("%s: mandatory" % method, mandatory)

            def none(method=method):
                _, out = run(method, "geen", 10, stack.PRINCIPAL)
                c.eq(field(out.text, "acting-bsn"), stack.PRINCIPAL, "%s none: acting BSN"
                     % method)
                c.eq(field(out.text, "acting-for"), "zichzelf", "%s none: for themselves"
                     % method)
            c.scenario("%s: no representation" % method, none)

            def refused(method=method):
                _, out = run(method, "verplicht", 10, stack.LONER)
                c.eq(out.status, 200, "%s refused: result page" % method)
                c.check("Gelukt" not in out.text and ("RequestDenied" in out.text or
                                                      "access_denied" in out.text),
                        "%s refused: shows the refusal" % method)
                c.eq(field(out.text, "acting-bsn"), "\u2014", "%s refused: no BSN" % method)
            c.scenario("%s: nobody to act for" % method, refused)

        def bad_input():
            for path, what in (("/saml/acs?SAMLart=AAQA&RelayState=nope", "unknown RelayState"),
                               ("/oidc/callback?code=x&state=nope", "unknown OIDC state"),
                               ("/nowhere", "unknown page")):
                r = requests.get(st.demo_url + path, verify=st.ca, timeout=20)
                c.check(r.status_code in (400, 404), "%s: HTTP %d" % (what, r.status_code))
                c.no_echo(r.text, ["nope", "AAQA"], what)
            r = requests.post(st.demo_url + "/inloggen", data={"methode": "saml",
                                                               "vertegenwoordiging": "x"},
                              verify=st.ca, timeout=20, allow_redirects=False)
            c.eq(r.status_code, 400, "bad vertegenwoordiging: HTTP 400")
            r = requests.post(st.demo_url + "/inloggen", data={"methode": "saml", "loa": "99"},
                              verify=st.ca, timeout=20, allow_redirects=False)
            c.eq(r.status_code, 400, "bad LoA: HTTP 400")
        c.scenario("demo-provider refusals", bad_input)

        c.no_bsn(st.log("demo-provider"), "demo-provider log", bsns)
    finally:
        c.no_bsn_in_logs(st)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
