#!/usr/bin/env bash
# `make spec-diff`: compares openapi.yaml with the contract of the last release tag (v*) using
# oasdiff (pinned in tools/oasdiff/go.mod) and fails on breaking changes, unless info.version
# (internal/apispec Version) was bumped in a major way since that tag. Before 1.0 a minor bump
# counts as major (0.1.x -> 0.2.0), as semver allows any change in 0.x.
# SPEC_BASE=<git ref> compares with another ref instead of the last tag.
set -euo pipefail
cd "$(dirname "$0")/.."

base_ref=${SPEC_BASE:-}
if [ -z "$base_ref" ]; then
  if ! base_ref=$(git describe --tags --abbrev=0 --match 'v*' 2>/dev/null); then
    echo "spec-diff: no release tag (v*) yet, nothing to compare openapi.yaml with (releases are tagged 'git tag v0.1.0')."
    exit 0
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git show "$base_ref:openapi.yaml" >"$work/base.yaml"

# info.version of a generated spec: the "  version:" line of the top-level info block.
version() { awk '/^info:/ {i=1; next} i && /^[^ ]/ {exit} i && /^  version:/ {gsub(/["'\'']/, "", $2); print $2; exit}' "$1"; }
old=$(version "$work/base.yaml")
new=$(version openapi.yaml)
IFS=. read -r old_major old_minor _ <<<"$old"
IFS=. read -r new_major new_minor _ <<<"$new"
major_bump=false
if [ "$new_major" -gt "$old_major" ] || { [ "$new_major" -eq 0 ] && [ "$old_major" -eq 0 ] && [ "$new_minor" -gt "$old_minor" ]; }; then
  major_bump=true
fi

oasdiff() { (cd tools/oasdiff && go tool oasdiff "$@"); }
echo "spec-diff: openapi.yaml (info.version $new) against $base_ref (info.version $old)"
if $major_bump; then
  echo "spec-diff: major version bump, breaking changes are allowed; they are:"
  oasdiff breaking "$work/base.yaml" "$PWD/openapi.yaml"
  exit 0
fi
if ! oasdiff breaking --fail-on ERR "$work/base.yaml" "$PWD/openapi.yaml"; then
  echo "spec-diff: breaking changes since $base_ref. Keep the contract compatible, or bump Version in" \
    "internal/apispec/apispec.go in a major way ($old -> $(( old_major == 0 ? 0 : old_major + 1 )).$(( old_major == 0 ? old_minor + 1 : 0 )).0), then 'make generate'."
  exit 1
fi
echo "spec-diff: no breaking changes."
