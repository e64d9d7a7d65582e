#!/usr/bin/env bash
# Packs the feast command as a .NET tool and installs it for the current user (~/.dotnet/tools),
# so `feast ...` works from any directory. Run again to update.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/artifacts/tool"
rm -rf "$out"
dotnet pack "$root/src/Feast.Cli/Feast.Cli.csproj" -c Release -o "$out" -nologo -v quiet
dotnet tool uninstall --global Feast.Cli >/dev/null 2>&1 || true
dotnet tool install --global Feast.Cli --add-source "$out" --prerelease
echo "Installed. Make sure ~/.dotnet/tools is on PATH, then run: feast --help"
