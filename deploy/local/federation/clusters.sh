# Sourced by deploy/local/federation.sh and bench/federation/run.sh (with root, skip_build, base, state and
# configuration set, and lib.sh sourced): starts the two clusters of the federation demo, "west" (region us-west) and
# "east" (us-east), each with its own silo (embedded store), CA and trust domain, an east-west gateway and a model
# replica (west runs v1, east v2), and a client sidecar in west; every process is stopped on exit. Defines
# peer_clusters (east creates a token, west redeems it) and ask (which cluster answered one call from west's client).
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


# peer_clusters: east creates a one-time token, west redeems it; waits until west imports east's model.
peer_clusters() {
  at east meshctl peer create west 2>/dev/null | at west meshctl peer join east --token -
  local deadline=$((SECONDS + 30))
  until at west meshctl peer list -o json | grep -q '"importedServices": 1'; do
    [ $SECONDS -lt $deadline ] || return 0
    sleep 0.2
  done
}
