#!/usr/bin/env bash
# The whole Feast loop on Feast's driver example, with no servers: create the repo, register it, build training
# data, load the online store, read online features (with an on-demand transformation), push a fresh value and read
# it back. Needs only the .NET SDK.
#
#   eng/demo.sh          # in a temp folder, removed afterwards
#   eng/demo.sh DIR      # in DIR (kept, so you can carry on with DIR/demo/feature_repo)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
feast="$root/eng/feast"
if [[ $# -ge 1 ]]; then
  mkdir -p "$1"
  work="$(cd "$1" && pwd)"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
cd "$work"
repo=demo/feature_repo

# Prints a step's header and the command, then runs it.
step=0
run() {
  local title="$1"
  shift
  step=$((step + 1))
  echo
  echo "=== $step. $title"
  # The command as you would type it: arguments with spaces or JSON in single quotes.
  local shown="\$ feast" arg
  for arg in "$@"; do
    if [[ "$arg" =~ [[:space:]\"{}] ]]; then shown+=" '$arg'"; else shown+=" $arg"; fi
  done
  echo "$shown"
  "$feast" "$@"
}

run "Create a feature repo with Feast's driver example (C# definitions, 15 days of hourly sample data)" init demo
run "Register the definitions in the registry" -c "$repo" apply
run "What the registry now holds" -c "$repo" feature-views list

# Training data: each driver as of a few points in time (the sample data covers the last 15 days, hourly).
{
  echo "driver_id,event_timestamp,label"
  for hours_ago in 1 5 30; do
    for driver in 1001 1002 1003; do
      echo "$driver,$(date -u -d "-$hours_ago hours -17 minutes" +%Y-%m-%dT%H:%M:%SZ),$((RANDOM % 2))"
    done
  done
  echo "9999,$(date -u +%Y-%m-%dT%H:%M:%SZ),0"
} > entities.csv
echo
echo "=== Entity rows for training (driver 9999 has no data)"
echo "\$ cat entities.csv"
cat entities.csv
run "Point-in-time correct training data" -c "$repo" get-historical-features --entity-df entities.csv \
  --features driver_hourly_stats:conv_rate,driver_hourly_stats:acc_rate,driver_hourly_stats:avg_daily_trips

now="$(date -u +%Y-%m-%dT%H:%M:%S)"
run "Load the latest values into the online store (the first run covers now minus each view's ttl)" \
  -c "$repo" materialize-incremental "$now"

# One -e per row for every key: two drivers, so two values of each request field too.
run "Online features for drivers 1001 and 1002, with the on-demand transformation (conv_rate + val_to_add)" \
  -c "$repo" get-online-features \
  -f driver_hourly_stats:conv_rate -f driver_hourly_stats:acc_rate -f driver_hourly_stats:avg_daily_trips \
  -f transformed_conv_rate:conv_rate_plus_val1 \
  -e driver_id=1001 -e driver_id=1002 \
  -e val_to_add=1000 -e val_to_add=1000 -e val_to_add_2=2000 -e val_to_add_2=2000

run "Push a fresh value for driver 1001 (feast push is a Feast.NET addition; Feast pushes through its feature server)" \
  -c "$repo" push driver_stats_push_source --data \
  "{\"driver_id\": [1001], \"event_timestamp\": [\"$now\"], \"created\": [\"$now\"], \"conv_rate\": [1.0], \"acc_rate\": [1.0], \"avg_daily_trips\": [1000]}"

run "Read it back from the view fed by the push source" -c "$repo" get-online-features \
  -f driver_hourly_stats_fresh:conv_rate -f driver_hourly_stats_fresh:acc_rate -f driver_hourly_stats_fresh:avg_daily_trips \
  -e driver_id=1001

echo
if [[ $# -ge 1 ]]; then
  echo "Done. The repo is in $work/$repo; carry on there, e.g. feast -c $work/$repo feature-views list"
  echo "Browse it in Feast's web UI: eng/build-ui.sh (once), then feast -c $work/$repo ui, and open http://127.0.0.1:8888/"
else
  # The temp folder is removed on exit, so say how to keep one rather than name a folder that is about to go.
  echo "Done. The temp folder was removed; run eng/demo.sh DIR to keep the repo in DIR/$repo"
  echo "(and browse it in Feast's web UI: eng/build-ui.sh once, then feast -c DIR/$repo ui, and open http://127.0.0.1:8888/)."
fi
