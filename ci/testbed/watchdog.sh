#!/usr/bin/env bash
# Stops a test bed whose owner process died without tearing it down (e.g. an interrupted test
# run): polls the owner, then kills every process group listed in <state>/pids and removes <state>.
owner="$1"
state="$2"
while kill -0 "$owner" 2>/dev/null && [ -f "$state/pids" ]; do sleep 1; done
[ -f "$state/pids" ] || exit 0
while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null; done < "$state/pids"
sleep 3
while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null; done < "$state/pids"
rm -rf "$state"
