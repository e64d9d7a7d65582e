#!/usr/bin/env bash
# The whole test suite, on a fresh machine that has only the .NET SDK.
# Builds the solution once, runs every test project, and ends with one summary line
# ("Tests: N passed, N failed, N skipped"). Servers the tests need are started by eng/services.sh
# on loopback, on free ports, and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

# shellcheck source=eng/services.sh
source eng/services.sh
trap 'stop_test_services; rm -rf "$results"' EXIT
start_test_services

dotnet build Feast.slnx -c Release -nologo -v quiet

status=0
passed=0 failed=0 skipped=0
for project in test/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  log="$results/$name.log"
  if ! dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=minimal" >"$log" 2>&1; then
    status=1
  fi
  # Show failures in full, and the per-project summary line.
  grep -E "^\s+Failed |Error Message|Stack Trace|^\s+at .*:line|Passed!|Failed!" "$log" | head -200 || true
  summary="$(grep -E "(Passed|Failed)! +- " "$log" | tail -n 1 || true)"
  if [[ -z "$summary" ]]; then
    echo "no test summary from $name; last lines of its output:"; tail -n 40 "$log"; status=1; continue
  fi
  p="$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")"
  f="$(sed -E 's/.*Failed: +([0-9]+),.*/\1/' <<<"$summary")"
  s="$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")"
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

echo "Tests: $passed passed, $failed failed, $skipped skipped"
if [[ $passed -eq 0 ]]; then status=1; fi
exit $status
