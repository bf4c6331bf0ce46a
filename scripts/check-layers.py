#!/usr/bin/env python3
"""Fails when a source file includes a header of a layer it may not depend on.

The layers of src/ (one CMake library each) depend downwards only:

  common <- domain <- store, registry, letters <- service <- api, saml, oidc, web <- app
  http (server, client) sits beside domain: it needs only common.

Product files follow ALLOWED below. Tests (*_test.cc), test support (testing/ folders),
fuzz targets, benchmarks and tools may include any layer except app (they wire real parts
together). Exit 0 when every include follows the rules, 1 with the offending lines listed.

  scripts/check-layers.py [repo-dir]
"""
import os
import re
import sys

ALLOWED = {
    "common": set(),
    "domain": {"common"},
    "http": {"common"},
    "store": {"common", "domain"},
    "registry": {"common", "domain", "http"},
    "letters": {"common", "domain"},
    "service": {"common", "domain", "store", "registry", "letters"},
    "saml": {"common", "domain", "http"},
    "oidc": {"common", "domain", "http"},
    "api": {"common", "domain", "http", "service"},
    "web": {"common", "domain", "http", "service", "saml", "oidc"},
    "app": None,  # the composition root: everything
}

# Known breaches, each with the reason it is still there. Remove the entry with the fix; an
# entry that no longer matches anything fails the check too, so the list cannot go stale.
KNOWN = {
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def is_test_code(rel):
    base = os.path.basename(rel)
    return base.endswith("_test.cc") or "/testing/" in rel


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))
    problems, seen_known = [], set()
    for top in ("src", "tools", "bench", "fuzz"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".h", ".cc", ".cc.in")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                parts = rel.split(os.sep)
                layer = parts[1] if top == "src" else None
                with open(path, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if target not in ALLOWED or target == layer:
                            continue  # system-ish or own layer
                        if layer is None or is_test_code(rel):
                            ok = target != "app"
                        elif ALLOWED[layer] is None:
                            ok = True
                        else:
                            ok = target in ALLOWED[layer]
                        if not ok and (rel, target) in KNOWN:
                            seen_known.add((rel, target))
                            continue
                        if not ok:
                            problems.append(f"{rel}:{lineno}: {layer or top} may not include "
                                            f"{target}/ ({line.strip()})")
    for key, why in KNOWN.items():
        if key not in seen_known:
            problems.append(f"{key[0]}: known breach of {key[1]}/ is gone; remove it from "
                            f"KNOWN in scripts/check-layers.py ({why})")
    for p in problems:
        print(p)
    if problems:
        print(f"check-layers: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check-layers: every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
