# Sourced by every scenario: finds the running local mesh (MESH_STATE_DIR, MESH_BASE_PORT as for up.sh) and offers
# meshctl, traffic counting through the ingress, and waiting until the sidecars run the newest configuration.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
state="${MESH_STATE_DIR:-$root/.mesh}"
configuration="${MESH_CONFIGURATION:-Release}"
source "$root/deploy/local/lib.sh"
[ -f "$state/env" ] && source "$state/env"
[ -s "$state/pids" ] || { echo "no local mesh is running (start ./deploy/local/up.sh first)" >&2; exit 1; }
base="${MESH_BASE_PORT:-15400}"
ingress="http://127.0.0.1:$((base + 80))"
export MESH_SERVER="${MESH_SERVER:-http://127.0.0.1:$((base + 1))}" MESH_TOKEN="$(cat "$state/admin-token")"
requests="${REQUESTS:-100}"

# apply FILE...: meshctl apply, then wait until every sidecar and gateway of the local mesh runs that revision.
apply() {
  local args=() file
  for file in "$@"; do args+=(-f "$file"); done
  meshctl apply "${args[@]}"
  synced
}

synced() {
  local revision admin deadline=$((SECONDS + 20))
  revision=$(curl -sf "$MESH_SERVER/metrics" | awk '/^mesh_silo_revision /{print $2}')
  for admin in $((base + 13)) $((base + 23)) $((base + 43)) $((base + 53)) $((base + 73)) $((base + 83)) $((base + 93)) $((base + 103)) $((base + 113)); do
    until [ "$(curl -sf "http://127.0.0.1:$admin/metrics" | awk '/^mesh_sidecar_config_revision /{print $2}')" -ge "${revision%.*}" ] 2>/dev/null; do
      [ $SECONDS -lt $deadline ] || { echo "sidecar :$admin did not reach revision $revision" >&2; return 1; }
      sleep 0.1
    done
  done
}

# traffic N [curl options]: N one-token generations through the ingress; counts answers by model version or status.
traffic() {
  local n=$1 i out code; shift
  for i in $(seq 1 "$n"); do
    out=$(curl -s --max-time 10 -w '\n%{http_code}' "$@" "$ingress/generate?prompt=hello&maxTokens=1" || true)
    code=${out##*$'\n'}
    if [ "$code" = 200 ]; then grep -o '"version":"v[0-9]*"' <<<"$out" | head -1 | cut -d'"' -f4; else echo "HTTP-$code"; fi
  done | sort | uniq -c | awk '{printf "  %-9s %s\n", $2, $1}'
}

# model_fail VERSION true|false: the model's own fault switch, on its app port (not through the mesh).
model_fail() {
  local port=$((base + 20)); [ "$1" = v2 ] && port=$((base + 40))
  curl -sf -X POST "http://127.0.0.1:$port/admin/fail?enabled=$2" >/dev/null
}

step() { printf '\n== %s\n' "$*"; }
