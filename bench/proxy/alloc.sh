#!/usr/bin/env bash
# Managed bytes allocated per proxied request: one sidecar in front of nginx serving 1 KB, wrk keep-alive load, the
# sidecar's own dotnet_gc_allocated_bytes_total read before and after a measured run (after a warm-up).
# Usage: bench/proxy/alloc.sh [sidecar executable (default: scripts/publish-sidecar.sh)] [seconds=5]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/proxy/common.sh
source "$ROOT/bench/proxy/common.sh"
SIDECAR=${1:-$("$ROOT/scripts/publish-sidecar.sh")}
SECONDS_RUN=${2:-5}
UPSTREAM=18280; OUT=18281; IN=18282; ADMIN=18283
start_upstream_nginx "$UPSTREAM"
write_sidecar_state "$WORK/state.json" "$UPSTREAM"
"$SIDECAR" --id alloc --outbound-port $OUT --inbound-port $IN --admin-port $ADMIN --state-file "$WORK/state.json" \
  --access-log off > "$WORK/sidecar.log" 2>&1 & PIDS+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ADMIN/ready" >/dev/null 2>&1 && break; sleep 0.1; done
allocated() { curl -sf "http://127.0.0.1:$ADMIN/metrics" | awk '$1=="dotnet_gc_allocated_bytes_total" {print $2}'; }
wrk -t1 -c32 -d3s -H "Host: upstream" "http://127.0.0.1:$OUT/" >/dev/null
before=$(allocated)
requests=$(wrk -t1 -c32 -d"${SECONDS_RUN}s" -H "Host: upstream" "http://127.0.0.1:$OUT/" | awk '/requests in/ {print $1}')
after=$(allocated)
python3 -c "print(f'{int($requests)} requests, {($after-$before)/int($requests):.0f} bytes allocated per request (includes the two /metrics reads)')"
