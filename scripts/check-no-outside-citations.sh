#!/usr/bin/env bash
# Fails when a tracked file cites a document that does not ship with the repository: the
# project's briefing files (DOMAIN.md, SAML-NOTES.md, ARCHITECTURE.md, STYLE.md) and anything
# under ../shared live beside the checkout and do not exist for a reader of the project.
# Test data under ../shared/data may be used where present (a test skips that part when it
# is absent): paths into it are allowed.
# Cite docs/domain.md, docs/saml-profile.md or docs/adr/ instead, or state the rule itself.
#
#   scripts/check-no-outside-citations.sh [repo-dir]     (default: this script's repository)
#
# Searches the files git tracks (git ls-files), except node_modules and package-lock.json,
# as they are in the work tree. Exit 0: no citation; 1: citations found, listed as
# path:line:text on stdout; 2: not a git work tree.
set -euo pipefail

repo=${1:-"$(cd "$(dirname "$0")/.." && pwd)"}
if ! top=$(git -C "$repo" rev-parse --show-toplevel 2>/dev/null); then
  echo "check-no-outside-citations: not a git work tree: $repo" >&2
  exit 2
fi
self=scripts/check-no-outside-citations.sh  # names the patterns, so it is not searched

patterns=(-e 'DOMAIN.md' -e 'SAML-NOTES.md' -e 'ARCHITECTURE.md' -e 'STYLE.md' -e '../shared')

hits=$(
  cd "$top"
  git ls-files -z |
    grep -zv -e '\(^\|/\)node_modules/' -e '\(^\|/\)package-lock\.json$' -e "^$self\$" |
    while IFS= read -r -d '' f; do
      # Tracked but deleted in the work tree: nothing to read.
      [ -f "$f" ] && printf '%s\0' "$f"
    done |
    xargs -0 -r grep -n -I -F -H "${patterns[@]}" -- | grep -v -F '../shared/data' || true
)

if [ -n "$hits" ]; then
  printf '%s\n' "$hits"
  count=$(printf '%s\n' "$hits" | wc -l)
  echo "check-no-outside-citations: $count citation(s) of files outside the repository" \
    "(cite docs/domain.md, docs/saml-profile.md or docs/adr/ instead)" >&2
  exit 1
fi
echo "check-no-outside-citations: none"
