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
echo "\$ feast -c demo/feature_repo registry-dump | head -n 20"
"$feast" -c demo/feature_repo registry-dump | head -n 20
echo

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
echo "\$ cat entities.csv"
cat entities.csv
echo
echo "\$ feast -c demo/feature_repo get-historical-features --entity-df entities.csv --features driver_hourly_stats:conv_rate,driver_hourly_stats:acc_rate,driver_hourly_stats:avg_daily_trips"
"$feast" -c demo/feature_repo get-historical-features --entity-df entities.csv \
  --features driver_hourly_stats:conv_rate,driver_hourly_stats:acc_rate,driver_hourly_stats:avg_daily_trips
echo
echo "\$ feast -c demo/feature_repo get-historical-features --entity-df entities.csv --features driver_hourly_stats:conv_rate --output training.parquet"
"$feast" -c demo/feature_repo get-historical-features --entity-df entities.csv --features driver_hourly_stats:conv_rate --output training.parquet
