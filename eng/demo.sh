#!/usr/bin/env bash
# The main job on embedded defaults: create Feast's driver example as a C# feature repo, register it,
# show the plan is empty afterwards, and list what the registry holds. Needs only the .NET SDK.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
feast="$root/eng/feast"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "\$ feast init demo"
"$feast" init demo
echo
echo "\$ feast -c demo/feature_repo apply"
"$feast" -c demo/feature_repo apply
echo
echo "\$ feast -c demo/feature_repo plan"
"$feast" -c demo/feature_repo plan
echo
echo "\$ feast -c demo/feature_repo feature-views list"
"$feast" -c demo/feature_repo feature-views list
echo
echo "\$ feast -c demo/feature_repo feature-services list"
"$feast" -c demo/feature_repo feature-services list
echo
echo "\$ feast -c demo/feature_repo registry-dump | head -n 30"
"$feast" -c demo/feature_repo registry-dump | head -n 30
