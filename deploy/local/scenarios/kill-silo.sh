#!/usr/bin/env bash
# A silo is killed (SIGKILL, by its PID) while traffic flows: the sidecars fail over to the other silos; no data-plane
# request fails. Needs the PostgreSQL mode (three silos).
source "$(dirname "$0")/common.sh"
victim=$(awk '/^silo-/{print $1" "$2}' "$state/pids" | sed -n 2p)
[ -n "$victim" ] || { echo "only one silo runs (embedded store): start up.sh with PostgreSQL for this scenario" >&2; exit 1; }
read -r name pid <<<"$victim"
kill -0 "$pid" 2>/dev/null || { echo "$name (pid $pid) is already gone" >&2; exit 1; }
step "traffic in the background while $name (pid $pid) is killed with SIGKILL"
traffic "$requests" >"$state/kill-silo.out" &
load=$!
sleep 1
kill -KILL "$pid"
wait "$load"
cat "$state/kill-silo.out"
echo "Expect only v1/v2 counts, no HTTP-5xx."
step "the silos' membership (Orleans declares the killed one dead within a few seconds; it drops out of the list)"
meshctl get members || true
step "configuration still changes through the surviving silos"
apply "$root/deploy/local/mesh/model.yaml"
