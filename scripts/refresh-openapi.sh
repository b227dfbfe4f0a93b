#!/usr/bin/env bash
# Refresh spec/sieve-openapi.json from sieve-data/docs and record where it came from.
#
#   scripts/refresh-openapi.sh [COMMIT]     # default: the newest commit on main
#
# Needs curl and network access to github.com. Updates spec/README.md's commit, date
# and sha256 lines; review the diff, then run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:-main}
api=https://api.github.com/repos/sieve-data/docs/commits/$ref
commit=$(curl -fsSL -H 'Accept: application/vnd.github.sha' "$api")
[[ $commit =~ ^[0-9a-f]{40}$ ]] || { echo "could not resolve $ref to a commit" >&2; exit 1; }
date=$(curl -fsSL "$api" | python3 -c 'import json, sys; print(json.load(sys.stdin)["commit"]["committer"]["date"][:10])')
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
curl -fsSL "https://raw.githubusercontent.com/sieve-data/docs/$commit/docs/openapi.json" -o "$tmp"
python3 -m json.tool "$tmp" >/dev/null   # refuse anything that is not JSON
mv "$tmp" spec/sieve-openapi.json
trap - EXIT
digest=$(sha256sum spec/sieve-openapi.json | cut -d' ' -f1)
sed -i -E \
  -e "s/^- commit: .*/- commit: \`$commit\` ($date)/" \
  -e "s/^- sha256: .*/- sha256: \`$digest\`/" \
  spec/README.md
echo "spec/sieve-openapi.json: sieve-data/docs@$commit ($date), sha256 $digest"
