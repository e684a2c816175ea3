#!/usr/bin/env bash
# Stops a test bed whose owner process died without tearing it down (e.g. an interrupted test
# run): polls the owner, undoes the bed's real node (realnode/sweep-main.ts, while its API server
# still runs), then kills every process group listed in <state>/pids that is still the process
# started (its start time, field 22 of /proc/<pid>/stat, matches: pids are handed out again) and
# removes <state>.
owner="$1"
state="$2"
node="$3"
while kill -0 "$owner" 2>/dev/null && [ -f "$state/pids" ]; do sleep 1; done
[ -f "$state/pids" ] || exit 0
if [ -n "$node" ]; then
  "$node" "$(dirname "$0")/realnode/sweep-main.ts" "$state" >>"$state/logs/watchdog.log" 2>&1
fi
started_at() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -ra fields <<<"${stat##*) }"
  echo "${fields[19]}"
}
signal_ours() {
  local pid started
  while read -r pid started; do
    [ "$(started_at "$pid")" = "$started" ] && kill "-$1" -- "-$pid" 2>/dev/null
  done <"$state/pids"
}
signal_ours TERM
sleep 3
signal_ours KILL
rm -rf "$state"
