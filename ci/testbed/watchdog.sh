#!/usr/bin/env bash
# Stops a test bed whose owner process died without tearing it down (e.g. an interrupted test
# run): polls the owner, undoes the bed's real node (realnode/sweep-main.ts, while its API server
# still runs), then kills every process group listed in <state>/pids and removes <state>.
owner="$1"
state="$2"
node="$3"
while kill -0 "$owner" 2>/dev/null && [ -f "$state/pids" ]; do sleep 1; done
[ -f "$state/pids" ] || exit 0
if [ -n "$node" ]; then
  "$node" "$(dirname "$0")/realnode/sweep-main.ts" "$state" >>"$state/logs/watchdog.log" 2>&1
fi
while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null; done < "$state/pids"
sleep 3
while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null; done < "$state/pids"
rm -rf "$state"
