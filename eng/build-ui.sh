#!/usr/bin/env bash
# Builds the bundle of Feast's web UI that `feast ui` serves: installs node/npm from Debian when missing, installs
# the npm packages from src/Feast.Ui/app/package-lock.json (npm ci) and bundles them with esbuild into
# src/Feast.Ui/app/dist/. Quick when nothing changed: npm ci runs only when the lockfile changed since the last
# install, the bundle only when a source is newer than it. A .NET build never needs this; only `feast ui` and the
# UI tests do.
#
#   eng/build-ui.sh          # build (or confirm) the bundle
#   eng/build-ui.sh --force  # reinstall and rebuild
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
app="$root/src/Feast.Ui/app"

# shellcheck source=eng/services.sh
source "$root/eng/services.sh"
ensure_node || exit 1

force=0
if [[ "${1:-}" == "--force" ]]; then force=1; fi

stamp="$app/node_modules/.feast-lock.sha256"
lock_sum="$(sha256sum "$app/package-lock.json" | cut -d' ' -f1)"
if [[ $force -eq 1 || ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
  echo "ui: installing the npm packages (npm ci)"
  (cd "$app" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" > "$stamp"
fi

bundle="$app/dist/index.js"
if [[ $force -eq 1 || ! -f "$bundle" || -n "$(find "$app" -maxdepth 1 -type f -newer "$bundle" -print -quit)" || "$stamp" -nt "$bundle" ]]; then
  (cd "$app" && node build.mjs)
fi
