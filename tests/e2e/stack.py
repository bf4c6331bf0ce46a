#!/usr/bin/python3
"""The end-to-end test stack: brp-sim, digid-sim, volmacht (serve with the login flow and the
demo data) and demo-provider on free loopback ports in a temporary directory; stops them all
and removes the directory on exit (also on SIGTERM, e.g. a CTest timeout).

As a library (tests/e2e/*.py):
    with Stack(bin_dir, src_dir) as st:
        st.web_url, st.api_url, st.demo_url, st.sp["bd"], st.oidc_client, ...
As a program (for the Node tests), runs a command with the stack's addresses in E2E_* vars:
    stack.py <build dir> <source dir> -- node tests/e2e/browser.mjs
    -> exit code of the command; 77 when the command says so (skip).

What is registered before volmacht starts (the catalogue is read at start-up):
  sp["bd"]   pysaml2 SP for Belastingdienst (00000001111222333000), entity ...:9001, answered
             by HTTP-POST; the demo mandate Pieter Jan van den Berg (999900018) -> Willem
             Hendrik Visser (999900043) covers its services (Aangifte, Toeslagen).
  sp["uwv"]  pysaml2 SP for UWV (00000001333444555000), entity ...:9002, answered with an
             artifact; service WW-uitkering (LoA Substantieel).
  demo-provider for Gemeente Voorbeeldstad (00000003123456780000), entity ...:9000, artifact,
             plus its OIDC client "demo-gemeente"; service Parkeervergunning (LoA Basis).
  OIDC client "e2e-rp" for Belastingdienst, redirect URI https://rp.e2e.test/callback.
After start, mandates Pieter -> Willem for WW-uitkering and Parkeervergunning are made the
way the README's walkthrough does it (REST API flow B: ask, letter, activate with the code),
unless already allowed (the demo data may come to contain them).

No BSN in the logs: stop() scans the logs of every process the stack ran (volmacht serve,
the volmacht commands' stderr, the stand-ins) for every BSN the test had: the persons of the
fixture, the demo identities (`volmacht demo-identities`) and every "bsn" sent to the REST
API. It returns what it found; leaving a `with Stack(...)` block raises StackError on a find.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

import requests  # noqa: E402

import pysaml2_sp  # noqa: E402

SKIP = 77
OIN_BD = "00000001111222333000"
OIN_GEM = "00000003123456780000"
OIN_UWV = "00000001333444555000"
SVC_AANGIFTE = "5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e01"   # Belastingdienst, Midden
SVC_TOESLAGEN = "5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e02"  # Belastingdienst, Substantieel
SVC_PARKEREN = "5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e03"   # Gemeente, Basis
SVC_WW = "5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e04"         # UWV, Substantieel
AGENT = "999900018"       # Pieter Jan van den Berg
AGENT_NAME = "Pieter Jan van den Berg"
PRINCIPAL = "999900043"   # Willem Hendrik Visser
PRINCIPAL_NAME = "Willem Hendrik Visser"
PRINCIPAL_BIRTH = "1950-11-02"
LONER = "999900031"       # Sophie Bakker: may act for nobody
OIDC_CLIENT_ID = "e2e-rp"
OIDC_REDIRECT = "https://rp.e2e.test/callback"


class StackError(Exception):
    pass


def values_of(obj, key):
    """Every value under `key`, at any depth of a JSON value."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key and isinstance(v, str):
                yield v
            else:
                yield from values_of(v, key)
    elif isinstance(obj, list):
        for v in obj:
            yield from values_of(v, key)


def bsn_leaks(log_texts, bsns):
    """(log name, line number, BSN) for every BSN in a log, as a whole number (not inside a
    longer run of digits)."""
    pattern = re.compile(r"(?<![0-9])(%s)(?![0-9])" % "|".join(sorted(bsns)))
    found = []
    for name, text in sorted(log_texts.items()):
        for n, line in enumerate(text.splitlines(), 1):
            for m in pattern.finditer(line):
                found.append((name, n, m.group(1)))
    return found


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (bound together, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _die_with_parent():
    """In the child before exec: SIGTERM when the test process dies, even by SIGKILL (a CTest
    timeout), so no server outlives its test (Linux prctl PR_SET_PDEATHSIG)."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def _terminate_on_sigterm():
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


class Stack:
    def __init__(self, bin_dir, src_dir, demo_provider=True, mandates=True):
        self.bin = os.path.abspath(bin_dir)
        self.src = os.path.abspath(src_dir)
        self.with_demo = demo_provider
        self.with_mandates = mandates
        self.procs = []
        self.work = None
        self.bsns = {AGENT, PRINCIPAL, LONER}  # every BSN the test had (see bsn_leaks)
        self.leaks = None

    # ------------------------------------------------------------ programs
    def exe(self, rel):
        path = os.path.join(self.bin, rel)
        if not os.access(path, os.X_OK):
            raise StackError("%s is not built" % rel)
        return path

    def volmacht(self, *args, stdout=None):
        cmd = [self.exe("src/app/volmacht"), "--data-dir", self.data] + list(args)
        r = subprocess.run(cmd, stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120, check=False)
        with open(os.path.join(self.work, "volmacht-cli.log"), "ab") as log:
            log.write(r.stderr)
        if r.returncode != 0:
            raise StackError("volmacht %s failed: %s" % (args[0], r.stderr.decode()[-2000:]))
        return r.stdout.decode() if r.stdout is not None and stdout is None else ""

    def spawn(self, name, cmd, ready_pattern=None, ready_file=None, timeout=60):
        log_path = os.path.join(self.work, name + ".log")
        log = open(log_path, "wb")
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             preexec_fn=_die_with_parent)
        log.close()
        self.procs.append((name, p))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise StackError("%s exited (%d): %s" % (name, p.returncode, self.log(name)))
            if ready_pattern:
                m = re.search(ready_pattern, self.log(name))
                if m:
                    return m
            if ready_file and os.path.exists(ready_file) and os.path.getsize(ready_file) > 0:
                return None
            time.sleep(0.05)
        raise StackError("%s did not become ready: %s" % (name, self.log(name)))

    def log(self, name):
        try:
            with open(os.path.join(self.work, name + ".log"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # ------------------------------------------------------------ lifecycle
    def __enter__(self):
        _terminate_on_sigterm()
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        leaks = self.stop()
        if leaks and exc_type is None:
            raise StackError("%d BSN(s) in the logs, or nothing to scan" % len(leaks))
        if not leaks:
            print("ok   no BSN in the logs (%d BSNs looked for)" % len(self.bsns), flush=True)

    def stop(self):
        """Stops the processes, scans their logs for BSNs, removes the directory. Returns the
        BSNs found as (log, line, BSN) (printed too); the same list when called again."""
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for name, p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []
        if self.leaks is None and self.work and os.path.isdir(self.work):
            self.leaks = self.scan_logs()
        if self.work and not os.environ.get("E2E_KEEP"):
            shutil.rmtree(self.work, ignore_errors=True)
        return self.leaks or []

    def logs(self):
        """name -> text of every log in the work directory (after the processes stopped)."""
        out = {}
        for f in sorted(os.listdir(self.work)):
            if f.endswith(".log"):
                out[f] = self.log(f[:-4])
        return out

    def scan_logs(self):
        logs = self.logs()
        leaks = bsn_leaks(logs, self.bsns)
        for name, n, bsn in leaks:
            print("FAIL logs: a BSN (%s) in %s line %d: %s" % (
                bsn, name, n, logs[name].splitlines()[n - 1][:300]), flush=True)
        served = logs.get("volmacht.log", "")
        if '"event":"http.request"' not in served or '"event":"serve.stopped"' not in served:
            # Nothing to scan would make the check pass without looking.
            leaks.append(("volmacht.log", 0, "no request lines or no stop line"))
            print("FAIL logs: volmacht.log has no request lines or no serve.stopped line",
                  flush=True)
        return leaks



    def start(self):
        self.work = tempfile.mkdtemp(prefix="volmacht-e2e.")
        self.data = os.path.join(self.work, "data")
        self.certs = os.path.join(self.data, "certs")
        fixture = os.path.join(self.src, "data", "brp-fixture.json")
        with open(fixture, encoding="utf-8") as f:
            self.bsns |= set(values_of(json.load(f), "burgerservicenummer"))

        m = self.spawn("brp-sim", [self.exe("tools/brp-sim/brp-sim"), "--persons", fixture,
                                   "--port", "0"], ready_pattern=r"(http://[0-9.:]+)")
        self.brp_url = m.group(1)
        self.volmacht("dev-certs")
        self.volmacht("demo-seed", "--brp-url", self.brp_url)
        self.bsns |= set(re.findall(r"\b[0-9]{9}\b", self.volmacht("demo-identities")))

        api_port, web_port, demo_port = free_ports(3)
        self.api_url = "https://localhost:%d" % api_port
        self.web_url = "https://localhost:%d" % web_port
        self.oidc_issuer = self.web_url + "/oidc"
        sp_md = os.path.join(self.work, "volmacht-digid-sp.xml")
        with open(sp_md, "wb") as f:
            self.volmacht("saml-sp-metadata", "--public-url", self.web_url, stdout=f)

        digid_dir = os.path.join(self.work, "digid")
        m = self.spawn("digid-sim", [
            self.exe("tools/digid-sim/digid-sim"), "--persons", fixture, "--port", "0",
            "--data-dir", digid_dir, "--sp-metadata", sp_md, "--key-bits", "2048",
            "--client-ca", os.path.join(self.certs, "ca.pem")],
            ready_pattern=r"listening on (https://\S+) ")
        self.digid_url = m.group(1)
        self.digid_ca = os.path.join(digid_dir, "tls", "ca.pem")
        # One bundle for clients that talk to both volmacht and digid-sim.
        self.ca = os.path.join(self.work, "ca-bundle.pem")
        with open(self.ca, "w", encoding="ascii") as out:
            for f in (os.path.join(self.certs, "ca.pem"), self.digid_ca):
                with open(f, encoding="ascii") as inp:
                    out.write(inp.read())

        self.sp = {
            "bd": self._test_sp("bd", OIN_BD, 9001, post_response=True),
            "uwv": self._test_sp("uwv", OIN_UWV, 9002, post_response=False),
        }
        self.oidc_client = {"client_id": OIDC_CLIENT_ID, "redirect_uri": OIDC_REDIRECT,
                            "secret": "e2e-" + os.urandom(16).hex(), "service": SVC_AANGIFTE}
        secret_file = os.path.join(self.work, "e2e-rp.secret")
        with open(secret_file, "w", encoding="ascii") as f:
            f.write(self.oidc_client["secret"] + "\n")
        self.volmacht("admin", "oidc-client", "--oin", OIN_BD, "--client-id", OIDC_CLIENT_ID,
                      "--redirect-uri", OIDC_REDIRECT, "--secret-file", secret_file)

        if self.with_demo:
            self.demo_url = "https://localhost:%d" % demo_port
            self.demo_dir = os.path.join(self.work, "demo-provider")
            demo = [self.exe("tools/demo-provider/demo-provider"), "--port", str(demo_port),
                    "--data-dir", self.demo_dir, "--key-bits", "2048",
                    "--server-cert", os.path.join(self.certs, "server.pem"),
                    "--server-key", os.path.join(self.certs, "server-key.pem"),
                    "--idp-metadata-url", self.web_url + "/saml/idp/metadata",
                    "--oidc-issuer", self.oidc_issuer, "--ca", os.path.join(self.certs, "ca.pem"),
                    "--client-cert", os.path.join(self.certs, "gemeente.pem"),
                    "--client-key", os.path.join(self.certs, "gemeente-key.pem")]
            md = subprocess.run(demo + ["--print-saml-metadata"], capture_output=True,
                                timeout=60, check=True).stdout
            md_file = os.path.join(self.work, "demo-sp.xml")
            with open(md_file, "wb") as f:
                f.write(md)
            self.volmacht("admin", "provider-saml", "--oin", OIN_GEM, "--metadata", md_file)
            cid, uri, secret = subprocess.run(demo + ["--print-oidc-client"], capture_output=True,
                                              timeout=60, check=True).stdout.decode().split()
            self.volmacht("admin", "oidc-client", "--oin", OIN_GEM, "--client-id", cid,
                          "--redirect-uri", uri, "--secret-file", secret)
            self.demo_cmd = demo

        ready = os.path.join(self.work, "ready")
        self.spawn("volmacht", [
            self.exe("src/app/volmacht"), "--data-dir", self.data, "serve",
            "--port", str(api_port), "--web-port", str(web_port), "--brp-url", self.brp_url,
            "--digid-metadata", os.path.join(digid_dir, "idp-metadata.xml"),
            "--digid-tls-ca", self.digid_ca, "--ready-file", ready], ready_file=ready,
            timeout=120)
        self.wait_web()
        # volmacht's IdP metadata, for the pysaml2 SPs.
        idp_md = os.path.join(self.work, "idp-metadata.xml")
        with open(idp_md, "w", encoding="utf-8") as f:
            f.write(self.web_get("/saml/idp/metadata").text)
        for s in self.sp.values():
            s["settings"]["idp_metadata_file"] = idp_md
            with open(s["settings_file"], "w", encoding="utf-8") as f:
                json.dump(s["settings"], f)

        if self.with_demo:
            self.spawn("demo-provider", self.demo_cmd, ready_pattern=r"listening on")
        if self.with_mandates:
            self.ensure_mandate("uwv", SVC_WW)
            self.ensure_mandate("gemeente", SVC_PARKEREN)

    def wait_web(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(self.web_url + "/saml/idp/metadata", verify=self.ca, timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise StackError("volmacht's login pages do not answer: " + self.log("volmacht"))

    def web_get(self, path):
        r = requests.get(self.web_url + path, verify=self.ca, timeout=10)
        if r.status_code != 200:
            raise StackError("GET %s: HTTP %d" % (path, r.status_code))
        return r

    def _test_sp(self, name, oin, index, post_response):
        d = os.path.join(self.work, "sp-" + name)
        os.makedirs(d)
        key, cert = os.path.join(d, "saml-key.pem"), os.path.join(d, "saml-cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", cert, "-days", "30", "-subj", "/CN=e2e SP " + name],
                       check=True, capture_output=True, timeout=60)
        stem = {"bd": "belastingdienst", "uwv": "uwv"}[name]
        settings = {
            "entity_id": "urn:nl-eid-gdi:1.0:DV:%s:entities:%d" % (oin, index),
            "acs_url": "https://sp-%s.e2e.test/acs" % name,
            "key_file": key, "cert_file": cert,
            "tls_cert": os.path.join(self.certs, stem + ".pem"),
            "tls_key": os.path.join(self.certs, stem + "-key.pem"),
            "ca_file": os.path.join(self.certs, "ca.pem"),
        }
        md_file = os.path.join(d, "metadata.xml")
        with open(md_file, "w", encoding="utf-8") as f:
            f.write(pysaml2_sp.sp_metadata(settings))
        args = ["admin", "provider-saml", "--oin", oin, "--metadata", md_file]
        if post_response:
            args.append("--post-response")
        self.volmacht(*args)
        settings_file = os.path.join(d, "settings.json")
        return {"name": name, "oin": oin, "settings": settings, "settings_file": settings_file,
                "post_response": post_response, "cert_stem": stem}

    # ------------------------------------------------------------ REST API (mutual TLS)
    def api(self, path, body, cert_stem):
        self.bsns |= set(values_of(body, "bsn"))
        return requests.post(
            self.api_url + "/api/v1" + path, json=body, verify=os.path.join(self.certs, "ca.pem"),
            cert=(os.path.join(self.certs, cert_stem + ".pem"),
                  os.path.join(self.certs, cert_stem + "-key.pem")), timeout=20)

    def allowed(self, cert_stem, service, agent=AGENT, principal=PRINCIPAL):
        r = self.api("/verificaties", {"gemachtigde": {"bsn": agent},
                                       "vertegenwoordigde": {"bsn": principal},
                                       "dienst": service, "betrouwbaarheidsniveau": 30},
                     cert_stem)
        if r.status_code != 200:
            raise StackError("verificaties: HTTP %d" % r.status_code)
        return r.json()["toegestaan"]

    def ensure_mandate(self, cert_stem, service, agent=AGENT, principal=PRINCIPAL,
                       principal_birth=PRINCIPAL_BIRTH):
        """Flow B as in the README: the agent asks, the letter goes to the principal, the
        agent activates with the code from the letter (read with pdftotext)."""
        if self.allowed(cert_stem, service, agent, principal):
            return
        end = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 300 * 86400))
        r = self.api("/machtigingsaanvragen", {
            "burger": {"bsn": agent},
            "vertegenwoordigde": {"bsn": principal, "geboortedatum": principal_birth},
            "diensten": [service], "einddatum": end}, cert_stem)
        if r.status_code != 201:
            raise StackError("ask: HTTP %d %s" % (r.status_code, r.text[:300]))
        mandate = r.json()["id"]
        letter = None
        for line in self.volmacht("outbox", "list").splitlines():
            if mandate in line and "ACTIVATION_CODE" in line:
                letter = line.split()[0]
        if letter is None:
            raise StackError("no activation letter for the new mandate")
        pdf = os.path.join(self.work, "letter-%s.pdf" % letter)
        self.volmacht("outbox", "show", letter, "-o", pdf)
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True,
                              check=True, timeout=30).stdout.decode()
        m = re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b", text)
        if not m:
            raise StackError("no activation code in the letter")
        r = self.api("/activeringen", {"burger": {"bsn": agent},
                                       "vertegenwoordigde": {"bsn": principal},
                                       "activeringscode": m.group(0)}, cert_stem)
        if r.status_code != 200 or r.json().get("status") != "ACTIEF":
            raise StackError("activate: HTTP %d %s" % (r.status_code, r.text[:300]))
        if not self.allowed(cert_stem, service, agent, principal):
            raise StackError("mandate made but verification still refuses")

    def env(self):
        e = {"E2E_WORK": self.work, "E2E_CA": self.ca, "E2E_WEB_URL": self.web_url,
             "E2E_API_URL": self.api_url, "E2E_DIGID_URL": self.digid_url,
             "E2E_OIDC_ISSUER": self.oidc_issuer,
             "E2E_OIDC_CLIENT_ID": self.oidc_client["client_id"],
             "E2E_OIDC_SECRET": self.oidc_client["secret"],
             "E2E_OIDC_REDIRECT_URI": self.oidc_client["redirect_uri"],
             "E2E_OIDC_SERVICE": self.oidc_client["service"],
             "E2E_AGENT": AGENT, "E2E_PRINCIPAL": PRINCIPAL, "E2E_AGENT_NAME": AGENT_NAME,
             "E2E_PRINCIPAL_NAME": PRINCIPAL_NAME, "E2E_LONER": LONER}
        if self.with_demo:
            e["E2E_DEMO_URL"] = self.demo_url
        return e


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        print("usage: stack.py <build dir> <source dir> -- command [args...]", file=sys.stderr)
        return 2
    try:
        with Stack(argv[0], argv[1]) as st:
            env = dict(os.environ, **st.env())
            r = subprocess.run(argv[3:], env=env, check=False)
            if r.returncode != 0 and r.returncode != SKIP:
                for name in ("volmacht", "digid-sim", "demo-provider"):
                    sys.stderr.write("---- %s log (tail)\n%s\n" % (name, st.log(name)[-3000:]))
        return r.returncode
    except StackError as e:
        print("FAIL stack: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
