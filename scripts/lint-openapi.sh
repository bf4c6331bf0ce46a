#!/usr/bin/env bash
# Lints an OpenAPI document against the Dutch API Design Rules with Spectral; fails on any
# error-severity result.
#
#   scripts/lint-openapi.sh src/api/openapi.json
#
# Ruleset: the repository's copy tests/api/adr-ruleset.yaml, unless a reference copy of the
# ruleset sits beside the repository (a development set-up outside the project). Spectral
# comes from node_modules (package.json devDependencies; `npm ci`). Exit 77 (CTest: skipped)
# when Spectral or a ruleset is missing; 2 on wrong usage.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 <openapi-file>" >&2
  exit 2
fi
doc=$1
root=$(cd "$(dirname "$0")/.." && pwd)
spectral="$root/node_modules/.bin/spectral"

if [ ! -f "$doc" ]; then
  echo "lint-openapi: no such file: $doc" >&2
  exit 2
fi
if [ ! -x "$spectral" ]; then
  echo "lint-openapi: SKIP: $spectral is missing (run 'npm ci' in $root)"
  exit 77
fi

ruleset=""
for candidate in "$root/../shared/data/adr-ruleset.yaml" "$root/tests/api/adr-ruleset.yaml"; do
  if [ -f "$candidate" ]; then
    ruleset=$candidate
    break
  fi
done
if [ -z "$ruleset" ]; then
  echo "lint-openapi: SKIP: no ADR ruleset (../shared/data or tests/api)"
  exit 77
fi

echo "lint-openapi: $doc against $ruleset"
exec "$spectral" lint --fail-severity error -r "$ruleset" "$doc"
