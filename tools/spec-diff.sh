#!/usr/bin/env bash
# `make spec-diff`: compares openapi.yaml with the contract of the last release using oasdiff
# (pinned in tools/oasdiff/go.mod) and fails on breaking changes, unless info.version
# (internal/apispec Version) was bumped in a major way since that release. Before 1.0 a minor
# bump counts as major (0.1.x -> 0.2.0), as semver allows any change in 0.x.
#
# The baseline is the newest contract recorded under api/releases/<version>/openapi.yaml
# (`make release-spec VERSION=...`, committed with the release), so the check runs on any clone,
# with or without tags fetched. A reachable v* tag newer than every recorded release (a release
# tagged without recording its contract) is used instead, from git.
# SPEC_BASE=<git ref> compares with another ref's openapi.yaml instead; SPEC=<file> checks
# another candidate than openapi.yaml (e.g. an edited scratch copy).
#
# `tools/spec-diff.sh record vX.Y.Z` (`make release-spec VERSION=vX.Y.Z`) records openapi.yaml as
# that release's contract; see api/releases/README.md.
set -euo pipefail
if [ -n "${SPEC:-}" ]; then SPEC=$(realpath "$SPEC"); fi # relative to the caller's directory
cd "$(dirname "$0")/.."

# info.version of a generated spec: the "  version:" line of the top-level info block.
version() { awk '/^info:/ {i=1; next} i && /^[^ ]/ {exit} i && /^  version:/ {gsub(/["'\'']/, "", $2); print $2; exit}' "$1"; }

if [ "${1:-}" = record ]; then
  release=${2:-}
  current=$(version openapi.yaml)
  if [ "$release" != "v$current" ]; then
    echo "release-spec: VERSION must be v + info.version of openapi.yaml (v$current), got '${release}'."
    echo "  Bump Version in internal/apispec/apispec.go and 'make generate' first if this release needs a new version."
    exit 1
  fi
  if ! git diff --quiet HEAD -- openapi.yaml; then
    echo "release-spec: openapi.yaml has uncommitted changes: record the contract of a committed, checked tree."
    exit 1
  fi
  if [ -e "api/releases/$release" ]; then
    echo "release-spec: api/releases/$release exists; a released contract never changes."
    exit 1
  fi
  mkdir -p "api/releases/$release"
  cp openapi.yaml "api/releases/$release/openapi.yaml"
  echo "release-spec: recorded api/releases/$release/openapi.yaml. Commit it, then tag that commit: git tag $release && git push origin $release"
  exit 0
fi

spec=${SPEC:-openapi.yaml}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base="$work/base.yaml"

newest() { sort -V | tail -n 1; }
if [ -n "${SPEC_BASE:-}" ]; then
  label=$SPEC_BASE
  git show "$SPEC_BASE:openapi.yaml" >"$base"
else
  recorded=$(find api/releases -mindepth 2 -maxdepth 2 -path 'api/releases/v*/openapi.yaml' 2>/dev/null |
    cut -d/ -f3 | newest)
  tag=$(git describe --tags --abbrev=0 --match 'v*' 2>/dev/null || true)
  if [ -n "$tag" ] && [ "$(printf '%s\n%s\n' "$tag" "$recorded" | newest)" != "$recorded" ]; then
    echo "spec-diff: release $tag has no recorded contract: run 'make release-spec VERSION=$tag' on its commit and commit api/releases/$tag."
    label="tag $tag"
    git show "$tag:openapi.yaml" >"$base"
  elif [ -n "$recorded" ]; then
    label="release $recorded (api/releases/$recorded/openapi.yaml)"
    cp "api/releases/$recorded/openapi.yaml" "$base"
  else
    echo "spec-diff: no released contract under api/releases and no v* tag: record one with 'make release-spec VERSION=v<info.version>'."
    exit 1
  fi
fi

old=$(version "$base")
new=$(version "$spec")
IFS=. read -r old_major old_minor _ <<<"$old"
IFS=. read -r new_major new_minor _ <<<"$new"
major_bump=false
if [ "$new_major" -gt "$old_major" ] || { [ "$new_major" -eq 0 ] && [ "$old_major" -eq 0 ] && [ "$new_minor" -gt "$old_minor" ]; }; then
  major_bump=true
fi

oasdiff() { (cd tools/oasdiff && go tool oasdiff "$@"); }
echo "spec-diff: $spec (info.version $new) against $label (info.version $old)"
if $major_bump; then
  echo "spec-diff: major version bump, breaking changes are allowed; they are:"
  oasdiff breaking "$base" "$(realpath "$spec")"
  exit 0
fi
if ! oasdiff breaking --fail-on ERR "$base" "$(realpath "$spec")"; then
  echo "spec-diff: breaking changes since $label. Keep the contract compatible, or bump Version in" \
    "internal/apispec/apispec.go in a major way ($old -> $(( old_major == 0 ? 0 : old_major + 1 )).$(( old_major == 0 ? old_minor + 1 : 0 )).0), then 'make generate'."
  exit 1
fi
echo "spec-diff: no breaking changes."
