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

# The web UI tests drive Debian's Chromium over the bundle eng/build-ui.sh makes from npm (node/npm installed when
# missing); both steps are quick when already done. The build then copies the bundle beside the CLI.
ensure_chromium
eng/build-ui.sh

dotnet build Feast.slnx -c Release -nologo -v quiet

# The container image for test/Feast.Deploy.Tests (podman from Debian when missing, set up in a folder of its own;
# the base rootfs is cached, so a second run only publishes). Its tests fail, saying why, when podman cannot run.
if ensure_podman && eng/image.sh; then
  export FEAST_TEST_IMAGE=localhost/feast:latest
else
  echo "test: no container image (see above): the tests of test/Feast.Deploy.Tests will fail saying why"
fi

# A failed test's block in the console logger's output: "  Failed NAME", "  Error Message:", the message's lines,
# "  Stack Trace:", "     at ..." frames. Prints the name and the message whole and the first 8 frames.
print_failures() {
  awk '
    /^[[:space:]]+Failed [^!]/ { inside = 1; frames = -1; print; next }
    !inside { next }
    /^[[:space:]]+Stack Trace:/ { frames = 0; print; next }
    frames < 0 { print; next }
    /^[[:space:]]+at / { if (frames++ < 8) print; next }
    { inside = 0 }
  ' "$1"
}

status=0
passed=0 failed=0 skipped=0
for project in test/*/*.csproj; do
  # Libraries under test/ (the shared conformance suites) set IsTestProject false: they have no tests of their own.
  if grep -q "<IsTestProject>false</IsTestProject>" "$project"; then continue; fi
  name="$(basename "$project" .csproj)"
  log="$results/$name.log"
  if ! dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=minimal" >"$log" 2>&1; then
    status=1
  fi
  # Show each failure whole (its name, its message, the first frames of its stack), then the project's summary line.
  print_failures "$log" | head -400 || true
  grep -E "(Passed|Failed)! +- " "$log" || true
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
