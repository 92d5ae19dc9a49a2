#!/usr/bin/env bash
# The federation demo (docs/federation.md), on its own: two silo clusters on 127.0.0.1, "west" (region us-west) and
# "east" (us-east), each with its own silo (embedded store), CA and trust domain, an east-west gateway and a model
# replica; a client in west. It peers them with meshctl, shows west's client calling its local model, then fails
# west's model (the demo app's fault switch) and shows the traffic moving to east across the gateways with mTLS end
# to end, and back when west recovers. Checks each step; exits 1 when one is not seen. Stops everything it started.
# Usage: deploy/local/federation.sh [--no-build]   (MESH_FEDERATION_BASE_PORT, default 15600; MESH_STATE_DIR; MESH_SIDECAR)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
skip_build="${MESH_SKIP_BUILD:-0}"
[ "${1:-}" = "--no-build" ] && skip_build=1
base="${MESH_FEDERATION_BASE_PORT:-15600}"
state="$(mkdir -p "${MESH_STATE_DIR:-$root/.mesh}/federation" && cd "${MESH_STATE_DIR:-$root/.mesh}/federation" && pwd)"
configuration="${MESH_CONFIGURATION:-Release}"
cd "$root"
source "$root/deploy/local/lib.sh"
if [ -s "$state/pids" ]; then
  echo "$state/pids lists processes of an earlier run that did not stop; stop them first" >&2
  exit 1
fi
rm -f "$state"/*.state.json
mkdir -p "$state/logs"
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

if [ "$skip_build" != 1 ]; then
  say "building (dotnet build -c $configuration) and publishing the sidecar..."
  dotnet build Mesh.sln -c "$configuration" -nologo -clp:ErrorsOnly >"$state/logs/build.log" || { cat "$state/logs/build.log" >&2; exit 1; }
  "$root/scripts/publish-sidecar.sh" >/dev/null 2>>"$state/logs/build.log" || { cat "$state/logs/build.log" >&2; exit 1; }
fi
choose_sidecar

# Ports: silo west +1, east +2; per cluster (west +10, east +20): gateway +0 (east-west TLS), inbound +1, outbound +2,
# admin +3; model west +30, east +40 (app +0, sidecar +1..+3); the client in west +50 (outbound +52).
token="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
export MESH_TOKEN="$token"
declare -A silo=([west]=$((base + 1)) [east]=$((base + 2))) gw=([west]=$((base + 10)) [east]=$((base + 20))) \
  model=([west]=$((base + 30)) [east]=$((base + 40))) region=([west]=us-west [east]=us-east) version=([west]=v1 [east]=v2)
client=$((base + 50))
for c in west east; do
  Mesh__AdminToken="$token" Mesh__SiloId="$c" Mesh__Postgres="" MESH_POSTGRES="" Mesh__Ca__TrustDomain="$c.mesh" \
  Mesh__Federation__ClusterName="$c" Mesh__Federation__GatewayAddress="127.0.0.1:${gw[$c]}" \
  Mesh__Federation__StaleAfter=00:00:05 Mesh__Federation__ExpireAfter=00:00:30 \
    start "silo-$c" dotnet "$(bin silo/Mesh.Silo mesh-silo.dll)" --urls "http://127.0.0.1:${silo[$c]}"
done
for c in west east; do wait_http "http://127.0.0.1:${silo[$c]}/readyz" 60 "silo $c"; done
at() { MESH_SERVER="http://127.0.0.1:${silo[$1]}" "${@:2}"; }
for c in west east; do
  at "$c" meshctl apply -f "deploy/local/federation/$c.yaml" >"$state/logs/apply-$c.log"
  sed "s/number: 15443/number: ${gw[$c]}/" deploy/local/federation/eastwest-gateway.yaml | at "$c" meshctl apply -f - >>"$state/logs/apply-$c.log"
done

# sidecar CLUSTER NAME ACCOUNT ADMIN-OFFSET ARGS...: a sidecar of CLUSTER holding an SVID of ACCOUNT from that cluster's CA.
sidecar_in() {
  local c=$1 name=$2 account=$3 at_port=$4; shift 4
  MESH_JOIN_TOKEN="$(MESH_SERVER="http://127.0.0.1:${silo[$c]}" join_token "$account")" start "sidecar-$name" "${sidecar[@]}" \
    --silo "http://127.0.0.1:${silo[$c]}" --namespace default --id "$name" --locality "${region[$c]}/${region[$c]}-a" \
    --inbound-port $((at_port + 1)) --outbound-port $((at_port + 2)) --admin-port $((at_port + 3)) \
    --state-file "$state/$name.state.json" --drain-timeout 1 --access-log off "$@"
}
for c in west east; do
  start "model-$c" dotnet "$(bin demo/Mesh.Demo mesh-demo.dll)" --urls "http://127.0.0.1:${model[$c]}" --role model --version "${version[$c]}" --token-delay-ms 0
  sidecar_in "$c" "model-$c" model "${model[$c]}" --service model --app-port "${model[$c]}" \
    --labels "app=model,version=${version[$c]},topology.kubernetes.io/region=${region[$c]},topology.kubernetes.io/zone=${region[$c]}-a"
  sidecar_in "$c" "eastwest-$c" eastwest "${gw[$c]}" --mode gateway --labels "istio=eastwestgateway,app=eastwest"
done
sidecar_in west client client "$client" --labels "app=client"
for c in west east; do
  wait_http "http://127.0.0.1:${model[$c]}/healthz" 60 "model $c"
  wait_http "http://127.0.0.1:$((gw[$c] + 3))/ready" 60 "east-west gateway $c"
  wait_http "http://127.0.0.1:$((model[$c] + 3))/ready" 60 "model sidecar $c"
done
wait_http "http://127.0.0.1:$((client + 3))/ready" 60 "client sidecar"

step() { echo; echo "== $*"; }
failed=0
check() { if eval "$2"; then echo "   SEEN: $1"; else echo "   NOT SEEN: $1"; failed=1; fi; }
# ask: which cluster's replica answered one generation (the demo model names its version in a header: west runs v1,
# east v2), or "failed(STATUS)".
ask() {
  local headers code
  headers=$(curl -s --max-time 5 -o /dev/null -D - -x "http://127.0.0.1:$((client + 2))" "http://model/generate?prompt=hello&maxTokens=1" | tr -d '\r')
  code=$(echo "$headers" | awk 'NR==1{print $2}')
  if [ "$code" != 200 ]; then echo "failed(${code:-none})"; return; fi
  echo "$headers" | sed -n 's/^x-model-version: //Ip' | sed 's/^v1$/west/; s/^v2$/east/'
}
versions() { local i out=""; for i in $(seq 1 "$1"); do out="$out $(ask || echo failed)"; sleep 0.1; done; echo "$out"; }

step "peering: east creates a one-time token, west redeems it"
echo "\$ meshctl -s east peer create west | meshctl -s west peer join east --token -"
at east meshctl peer create west 2>/dev/null | at west meshctl peer join east --token -
deadline=$((SECONDS + 30))
until at west meshctl peer list -o json | grep -q '"importedServices": 1'; do
  [ $SECONDS -lt $deadline ] || break
  sleep 0.2
done
echo "\$ meshctl -s west peer list"; at west meshctl peer list
echo "\$ meshctl -s east peer list"; at east meshctl peer list
check "west imports east's model" "at west meshctl peer list -o json | grep -q '\"importedServices\": 1'"

step "west's client calls model: its own locality (us-west) first"
seen=$(versions 6); echo "   answers:$seen"
check "every answer from west" "[ \"$(echo $seen | tr ' ' '\n' | sort -u | tr -d '\n')\" = west ]"

step "west's model fails (its fault switch): outlier detection ejects it, traffic crosses to east"
curl -s -X POST "http://127.0.0.1:${model[west]}/admin/fail?enabled=true" >/dev/null
seen=$(versions 10); echo "   answers:$seen"
check "answers from east, through west's and east's gateways" "echo '$seen' | grep -q east"
echo "   east's model saw: $(curl -s "http://127.0.0.1:$((model[east] + 3))/metrics" | grep -o 'source_principal="spiffe://west.mesh/ns/default/sa/client"[^}]*connection_security_policy="mutual_tls"' | head -1)"
check "east saw west's client identity over mTLS" "curl -s http://127.0.0.1:$((model[east] + 3))/metrics | grep -q 'source_principal=\"spiffe://west.mesh/ns/default/sa/client\"'"

step "west's model recovers: after the 5 s ejection, traffic returns home"
curl -s -X POST "http://127.0.0.1:${model[west]}/admin/fail?enabled=false" >/dev/null
deadline=$((SECONDS + 20))
until [ "$(ask)" = west ] || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
seen=$(versions 6); echo "   answers:$seen"
check "answers from west again" "[ \"$(echo $seen | tr ' ' '\n' | sort -u | tr -d '\n')\" = west ]"

step "east's control plane stops: west keeps serving, and shows east Stale"
east_silo=$(awk '$1=="silo-east"{print $2}' "$state/pids")
kill -TERM "$east_silo"; wait "$east_silo" 2>/dev/null || true
deadline=$((SECONDS + 20))
until at west meshctl peer list | grep -q Stale || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
echo "\$ meshctl -s west peer list"; at west meshctl peer list
check "east shown Stale in west, its import kept" "at west meshctl peer list | grep -q Stale"
check "west's client still answered" "[ -n \"$(ask)\" ]"

echo
if [ "$failed" = 0 ]; then echo "federation scenario: every step seen"; else echo "federation scenario: some steps NOT SEEN (logs in $state/logs)"; fi
exit "$failed"
