"""Tiny test harness for the e2e scripts: named checks, scenarios that keep going after a
failure, a leak check, and the exit code convention (0 pass, 1 fail, 77 skip)."""

import json
import os
import re
import sys
import traceback

FIXTURE_BSNS = None


def fixture_bsns(src_dir):
    global FIXTURE_BSNS
    if FIXTURE_BSNS is None:
        with open(os.path.join(src_dir, "data", "brp-fixture.json"), encoding="utf-8") as f:
            FIXTURE_BSNS = {p["burgerservicenummer"] for p in json.load(f)}
    return FIXTURE_BSNS


class Checks:
    def __init__(self):
        self.failures = 0
        self.count = 0

    def check(self, cond, what):
        self.count += 1
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            self.failures += 1
        return cond

    def eq(self, got, want, what):
        return self.check(got == want, "%s (want %r, got %r)" % (what, want, got))

    def scenario(self, name, fn, *args):
        print("---- " + name, flush=True)
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - report and go on with the next scenario
            self.failures += 1
            print("FAIL %s raised:\n%s" % (name, traceback.format_exc()), flush=True)

    def no_bsn(self, text, what, bsns):
        found = sorted(b for b in bsns if b in (text or ""))
        return self.check(not found, "%s: no BSN in it%s" % (
            what, "" if not found else " (found %d)" % len(found)))

    def no_bsn_in_logs(self, st):
        """Stops the stack `st` and checks that its logs hold none of the test's BSNs (the
        finds are printed by the stack)."""
        leaks = st.stop()
        return self.check(not leaks, "no BSN in the logs of the stack (%d looked for)%s" % (
            len(st.bsns), "" if not leaks else ": %d found" % len(leaks)))

    def no_echo(self, text, needles, what):
        hits = [n for n in needles if n and n in (text or "")]
        return self.check(not hits, "%s: does not echo %s" % (what, hits or "the request"))

    def finish(self):
        print("PASS (%d checks)" % self.count if self.failures == 0 else
              "%d of %d check(s) failed" % (self.failures, self.count), flush=True)
        return 0 if self.failures == 0 else 1


def no_traceback(text):
    return not re.search(r"Traceback|Lasso-|xmlsec|std::|\.cc:\d+", text or "")


def args_or_exit(usage):
    if len(sys.argv) != 3:
        print("usage: " + usage, file=sys.stderr)
        sys.exit(2)
    return sys.argv[1], sys.argv[2]
