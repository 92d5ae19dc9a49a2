#!/usr/bin/env bash
# A/B of sidecar runtime settings without rebuilding: for each variant (a set of environment variables), start one
# sidecar in front of an nginx upstream (1 KB static file), warm it up, then measure req/s, sidecar CPU time per
# request (utime+stime from /proc, steadier than req/s on a shared machine) and VmRSS at the end of the load.
# nginx as a proxy is measured in the same run as the reference.
# Usage: bench/proxy/variants.sh [duration=5] [rounds=2] [connections=32] -- "name:ENV=1 ENV2=x" "name2:..." ...
set -euo pipefail

DURATION=${1:-5}; ROUNDS=${2:-2}; CONNECTIONS=${3:-32}
shift $(( $# >= 3 ? 3 : $# )); [[ "${1:-}" == "--" ]] && shift
VARIANTS=("baseline:" "$@")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/proxy/common.sh
source "$ROOT/bench/proxy/common.sh"

UPSTREAM=18280; NGINX=18281; SC_OUT=18291; SC_IN=18292; SC_ADMIN=18293
[[ "${SKIP_BUILD:-}" == 1 ]] || "$ROOT/scripts/publish-sidecar.sh" >/dev/null
SIDECAR="$ROOT/artifacts/sidecar/mesh-sidecar"   # as it ships: NativeAOT (scripts/publish-sidecar.sh)
start_upstream_nginx "$UPSTREAM"
start_proxy_nginx "$NGINX" "$UPSTREAM"
write_sidecar_state "$WORK/state.json" "$UPSTREAM"

measure() { # label url host pid
  local label=$1 url=$2 host=$3 pid=$4 t0 t1 out
  wrk -t1 -c"$CONNECTIONS" -d2s ${host:+-H "Host: $host"} "$url" >/dev/null
  for round in $(seq "$ROUNDS"); do
    t0=$(cpu_ticks "$pid")
    out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency ${host:+-H "Host: $host"} "$url")
    t1=$(cpu_ticks "$pid")
    local rss; rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status)
    local req; req=$(awk '/requests in/ {print $1}' <<< "$out")
    printf "%-28s round %s: %8s req/s  p50 %8s  cpu %6s us/req  rss %s MB  threads %s\n" "$label" "$round" \
      "$(awk '/Requests\/sec/ {print $2}' <<< "$out")" "$(awk '$1=="50%" {print $2}' <<< "$out")" \
      "$(cpu_per_request "$t0" "$t1" "$req")" "$rss" \
      "$(awk '/Threads/ {print $2}' /proc/$pid/status)"
    # MEM_DETAIL=1: where the RSS is (anonymous = GC heap, stacks, JIT, native; file = mapped assemblies).
    if [[ "${MEM_DETAIL:-}" == 1 ]]; then
      awk '/^(Rss|Anonymous|Shared_Clean|Private_Clean|Private_Dirty):/ {printf "  %s %d MB", $1, $2/1024} END {print ""}' /proc/$pid/smaps_rollup
    fi
  done
}

for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$NGINX/" && break; sleep 0.1; done
for variant in "${VARIANTS[@]}"; do
  name=${variant%%:*}; envs=${variant#*:}
  # shellcheck disable=SC2086
  env $envs "$SIDECAR" --id v --outbound-port $SC_OUT --inbound-port $SC_IN --admin-port $SC_ADMIN \
    --state-file "$WORK/state.json" --access-log off > "$WORK/logs/$name.log" 2>&1 & pid=$!; PIDS+=($pid)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$SC_ADMIN/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  wrk -t1 -c"$CONNECTIONS" -d3s -H "Host: upstream" "http://127.0.0.1:$SC_OUT/" >/dev/null   # tiered JIT warm-up
  measure "$name" "http://127.0.0.1:$SC_OUT/" upstream "$pid"
  measure "nginx (reference)" "http://127.0.0.1:$NGINX/" "" "$NGINX_PID"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
