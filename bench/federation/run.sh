#!/usr/bin/env bash
# Federation benchmark (docs/benchmarks.md, "Federation"): the two clusters of deploy/local/federation.sh (own silos,
# CAs, east-west gateways, a model replica each, a client in west), peered, then N rounds of:
#   export propagation: one more endpoint of model registered in east (and then removed) through east's API, until
#     west's client sidecar holds east's new healthy count (east silo -> peering stream -> west silo -> west sidecar);
#   failover: west's model switched to failing, until west's client is answered from east; then switched back, until
#     it is answered from west again (after outlier detection's ejection, 1 s here).
# Prints every sample and the median, p90 and max of each. Usage: bench/federation/run.sh [rounds=20] [--no-build]
# Bounded: about 10 s per round; every process it starts is stopped at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-20}"
skip_build="${MESH_SKIP_BUILD:-0}"
[ "${2:-}" = "--no-build" ] && skip_build=1
base="${MESH_FEDERATION_BASE_PORT:-15700}"
state="$(mkdir -p "${MESH_STATE_DIR:-$root/.mesh}/federation-bench" && cd "${MESH_STATE_DIR:-$root/.mesh}/federation-bench" && pwd)"
configuration="${MESH_CONFIGURATION:-Release}"
cd "$root"
source "$root/deploy/local/lib.sh"
source "$root/deploy/local/federation/clusters.sh"
echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GB, $(date -u +%FT%TZ), $rounds rounds"
peer_clusters
# A short ejection, so that a round does not wait out the demo's 5 s (which grows with each ejection).
at west meshctl apply -f - >/dev/null <<'YAML'
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: model
spec:
  host: model
  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: 1
      consecutiveGatewayErrors: 1
      interval: 1s
      baseEjectionTime: 1s
      maxEjectionPercent: 100
YAML

now_ms() { date +%s%3N; }
# east_weight: the weight (healthy endpoints) of east's model locality in west's client sidecar configuration.
east_weight() {
  curl -s "http://127.0.0.1:$((client + 3))/config_dump" | grep -o '"weight":[0-9]*,"health":"Healthy","labels":{[^}]*"mesh.dev/cluster":"east"' \
    | head -1 | sed 's/^"weight":\([0-9]*\).*/\1/'
}
wait_for() { local deadline=$((SECONDS + 30)); until eval "$1"; do [ $SECONDS -lt $deadline ] || { echo "timed out waiting for: $1" >&2; return 1; }; sleep 0.005; done; }
stats() { sort -n | awk '{v[NR]=$1} END {printf "median %d ms, p90 %d ms, max %d ms (n=%d)", v[int((NR+1)/2)], v[int(NR*0.9+0.999)], v[NR], NR}'; }
east_api="http://127.0.0.1:${silo[east]}/api/v1/namespaces/default/endpoints"
auth=(-H "Authorization: Bearer $MESH_TOKEN" -H 'Content-Type: application/json')

wait_for '[ "$(east_weight)" = 1 ]'
wait_for '[ "$(ask)" = west ]'
added=() removed=() failover=() failed_answers=() failback=()
for round in $(seq 1 "$rounds"); do
  port=$((base + 60 + round))
  t0=$(now_ms)
  curl -sf -X PUT "$east_api" "${auth[@]}" -d "{\"service\":\"model\",\"address\":\"127.0.0.1\",\"port\":$port,\"labels\":{\"app\":\"model\",\"topology.kubernetes.io/region\":\"us-east\",\"topology.kubernetes.io/zone\":\"us-east-a\"}}" >/dev/null
  wait_for '[ "$(east_weight)" = 2 ]'
  added+=($(($(now_ms) - t0)))
  t0=$(now_ms)
  curl -sf -X DELETE "$east_api/model.127.0.0.1.$port" "${auth[@]}" >/dev/null
  wait_for '[ "$(east_weight)" = 1 ]'
  removed+=($(($(now_ms) - t0)))

  curl -s -X POST "http://127.0.0.1:${model[west]}/admin/fail?enabled=true" >/dev/null
  t0=$(now_ms) failures=0
  while :; do
    answer=$(ask)
    [ "$answer" = east ] && break
    [[ "$answer" == failed* ]] && failures=$((failures + 1))
    [ $(($(now_ms) - t0)) -lt 30000 ] || { echo "no answer from east within 30 s" >&2; exit 1; }
  done
  failover+=($(($(now_ms) - t0))) failed_answers+=("$failures")
  curl -s -X POST "http://127.0.0.1:${model[west]}/admin/fail?enabled=false" >/dev/null
  t0=$(now_ms)
  wait_for '[ "$(ask)" = west ]'
  failback+=($(($(now_ms) - t0)))
  echo "round $round: export added ${added[-1]} ms, removed ${removed[-1]} ms; failover ${failover[-1]} ms ($failures failed answer(s)); back home ${failback[-1]} ms"
done
echo
echo "export propagation, endpoint added in east -> west's sidecar: $(printf '%s\n' "${added[@]}" | stats)"
echo "export propagation, endpoint removed in east -> west's sidecar: $(printf '%s\n' "${removed[@]}" | stats)"
echo "failover, west's model failing -> first answer from east: $(printf '%s\n' "${failover[@]}" | stats)"
echo "failed answers per failover: $(printf '%s\n' "${failed_answers[@]}" | stats | sed 's/ ms//g')"
echo "failback, west's model healthy -> first answer from west: $(printf '%s\n' "${failback[@]}" | stats)"
