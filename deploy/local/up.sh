#!/usr/bin/env bash
# One command for the whole local mesh, in the foreground, on 127.0.0.1:
#   PostgreSQL from the machine's binaries (else the silo's embedded store, and then only one silo), three silos,
#   and the demo AI application (tokenizer, model v1 + v2, ranker) with every service behind its own sidecar
#   holding a workload certificate, an AI pool of SimLLM model servers, an ingress gateway (a sidecar in gateway
#   mode), and the mesh configuration.
# Ctrl-C (SIGINT) or SIGTERM stops everything it started, by PID, and its PostgreSQL with pg_ctl.
#
# Options (or environment):
#   --headless   (MESH_HEADLESS=1)   print one "READY ..." line instead of the guide, then wait for a signal
#   --no-build   (MESH_SKIP_BUILD=1) use what is already built
#   --embedded   (MESH_EMBEDDED=1)   no PostgreSQL: one silo with the in-memory store
#   MESH_BASE_PORT (15400)  every port is base + offset (see ports below); MESH_STATE_DIR (.mesh) keeps data, logs,
#   secrets and the "pids" file (name pid per line); MESH_CONFIGURATION (Release); MESH_TOKEN_DELAY_MS (40);
#   MESH_START_TIMEOUT (60) seconds each component may take to come up; MESH_SIDECAR the command that runs a sidecar
#   (default: the published sidecar in artifacts/sidecar, see scripts/publish-sidecar.sh).
set -euo pipefail
# A shell started in the background by a non-interactive shell ("./up.sh --headless &" in a script) inherits SIGINT
# as ignored, and bash cannot trap a signal ignored at entry: restart once with SIGINT at its default so the trap works.
if [ -z "${MESH_UP_SIGNALS_RESET:-}" ] && env --default-signal=INT true 2>/dev/null; then
  MESH_UP_SIGNALS_RESET=1 exec env --default-signal=INT bash "$0" "$@"
fi
unset MESH_UP_SIGNALS_RESET
root="$(cd "$(dirname "$0")/../.." && pwd)"
headless="${MESH_HEADLESS:-0}" skip_build="${MESH_SKIP_BUILD:-0}" embedded="${MESH_EMBEDDED:-0}"
for arg in "$@"; do
  case "$arg" in
    --headless) headless=1 ;;
    --no-build) skip_build=1 ;;
    --embedded) embedded=1 ;;
    *) echo "unknown option '$arg' (use --headless, --no-build, --embedded)" >&2; exit 2 ;;
  esac
done
base="${MESH_BASE_PORT:-15400}"
state="$(mkdir -p "${MESH_STATE_DIR:-$root/.mesh}" && cd "${MESH_STATE_DIR:-$root/.mesh}" && pwd)"
configuration="${MESH_CONFIGURATION:-Release}"
start_timeout="${MESH_START_TIMEOUT:-60}"
cd "$root"
source "$root/deploy/local/lib.sh"

if [ -s "$state/pids" ]; then
  echo "$state/pids lists processes of an earlier run; stop them with ./deploy/local/down.sh first" >&2
  exit 1
fi
mkdir -p "$state/logs"
chmod 755 "$state"
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

if [ "$skip_build" != 1 ]; then
  say "building (dotnet build -c $configuration)..."
  dotnet build Mesh.sln -c "$configuration" -nologo -clp:ErrorsOnly >"$state/logs/build.log" || { cat "$state/logs/build.log" >&2; exit 1; }
  say "publishing the sidecar (scripts/publish-sidecar.sh)..."
  "$root/scripts/publish-sidecar.sh" >/dev/null 2>>"$state/logs/build.log" || { cat "$state/logs/build.log" >&2; exit 1; }
fi
choose_sidecar

# Ports: silos base+1..3, PostgreSQL base+32; per workload (tokenizer +10, model v1 +20, v2 +40,
# ranker +50, model servers llm-v1-a +90, llm-v1-b +100, llm-v2 +110) app +0, sidecar inbound +1, outbound +2, admin +3;
# the tokenizer's gRPC port +15; the external provider +60 (HTTPS);
# egress gateway +70 (inbound +71, admin +73); ingress gateway +80 (admin +83).
silo_ports=($((base + 1)) $((base + 2)) $((base + 3)))
pg_port=$((base + 32)) provider=$((base + 60)) egress=$((base + 70)) ingress=$((base + 80))

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ "$embedded" != 1 ] && [ -n "$pgbin" ]; then
  start_postgres "$pgbin" "$pg_port"
  # Bounded pools: three silos with Npgsql's default of 100 each can exhaust the server's connections at start.
  export MESH_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=24"
  store="PostgreSQL :$pg_port ($(cat "$state/pgdata"))"
else
  silo_ports=("${silo_ports[0]}")
  say "no PostgreSQL (binaries under /usr/lib/postgresql/*/bin, or --embedded): ONE silo with the embedded in-memory store"
  store="the embedded in-memory store (no PostgreSQL binaries or --embedded): ONE silo, nothing survives a restart"
fi

# Secrets of this local mesh, created once and kept under the state folder (never printed).
[ -f "$state/admin-token" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$state/admin-token"
[ -f "$state/ca-kek" ] || head -c 32 /dev/urandom | base64 >"$state/ca-kek"
chmod 600 "$state/admin-token" "$state/ca-kek"
export Mesh__AdminToken="$(cat "$state/admin-token")" MESH_CA_KEK="$(cat "$state/ca-kek")"

silos=""
# rotated_silos N: the silo list starting at the Nth silo, so that the sidecars' subscriptions spread over the silos.
rotated_silos() { local urls=(${silos//,/ }) i out=""; for i in "${!urls[@]}"; do out="${out:+$out,}${urls[$(( (i + $1) % ${#urls[@]} ))]}"; done; echo "$out"; }
for port in "${silo_ports[@]}"; do
  Mesh__SiloId="silo-$port" start "silo-$port" dotnet "$(bin silo/Mesh.Silo mesh-silo.dll)" --urls "http://127.0.0.1:$port"
  silos="${silos:+$silos,}http://127.0.0.1:$port"
done
for port in "${silo_ports[@]}"; do wait_http "http://127.0.0.1:$port/readyz" "$start_timeout" "silo :$port"; done
export MESH_SERVER="http://127.0.0.1:${silo_ports[0]}" MESH_TOKEN="$Mesh__AdminToken"
meshctl apply -f deploy/local/mesh/services.yaml >"$state/logs/apply.log"

# sidecar_for service version app-port-offset [name]: the workload's sidecar, its ports app-port + 1 (inbound),
# + 2 (outbound), + 3 (admin), holding a join token of the service's account.
sidecar_for() {
  local service=$1 version=$2 offset=$3 at=$((base + $3)) name=${4:-$1-$2}
  MESH_JOIN_TOKEN="$(join_token "$service")" start "sidecar-$name" "${sidecar[@]}" \
    --silo "$(rotated_silos $((offset / 10)))" --namespace default --service "$service" \
    --labels "app=$service,version=$version" --id "$name" --app-port "$at" --inbound-port $((at + 1)) \
    --outbound-port $((at + 2)) --admin-port $((at + 3)) --state-file "$state/$name.state.json" \
    --drain-timeout 2 --access-log off
}
# workload: service version app-port-offset [role [listen-arguments...]]; the app listens on app-port unless
# listen-arguments say otherwise; the model streams with a visible pause between tokens.
start_workload() {
  local service=$1 version=$2 offset=$3 at=$((base + $3)) role=${4:-$1}
  shift $(($# < 4 ? $# : 4))
  local listen=("$@")
  [ ${#listen[@]} -gt 0 ] || listen=(--urls "http://127.0.0.1:$at")
  HTTP_PROXY="http://127.0.0.1:$((at + 2))" start "$service-$version" dotnet "$(bin demo/Mesh.Demo mesh-demo.dll)" \
    "${listen[@]}" --role "$role" --version "$version" --token-delay-ms "${MESH_TOKEN_DELAY_MS:-40}"
  sidecar_for "$service" "$version" "$offset"
}
# llm_replica name version app-port-offset model: a SimLLM model server (OpenAI API, vLLM's metrics, a prefix cache;
# docs/ai-traffic.md) as a replica of service llm, behind its own sidecar; the InferencePool of mesh/ai.yaml takes it.
llm_replica() {
  local name=$1 version=$2 offset=$3 at=$((base + $3))
  start "$name" dotnet "$(bin demo/Mesh.SimLlm Mesh.SimLlm.dll)" --urls "http://127.0.0.1:$at" --models "$4" \
    --time-scale 0.05 --seed "$offset" --max-num-seqs 4
  sidecar_for llm "$version" "$offset" "$name"
}
# The tokenizer also serves gRPC (grpc.health.v1) on an HTTP/2-only port, +15; its Sidecar resource
# (mesh/tokenizer-sidecar.yaml) sends service port 9090 there and port 80 to the HTTP port.
start_workload tokenizer v1 10 tokenizer --Kestrel:Endpoints:Http:Url="http://127.0.0.1:$((base + 10))" \
  --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$((base + 15))" --Kestrel:Endpoints:Grpc:Protocols=Http2
start_workload model v1 20
start_workload model v2 40
start_workload ranker v1 50
# The AI pool: two replicas of llama-3-8b and a canary serving llama-3-8b-v2.
llm_replica llm-v1-a v1 90 llama-3-8b
llm_replica llm-v1-b v1 100 llama-3-8b
llm_replica llm-v2 v2 110 llama-3-8b-v2
MESH_JOIN_TOKEN="$(join_token ingressgateway)" start "ingressgateway" "${sidecar[@]}" \
  --mode gateway --silo "$(rotated_silos 0)" --namespace default --labels istio=ingressgateway \
  --id ingressgateway --outbound-port "$ingress" --inbound-port $((ingress + 1)) --admin-port $((ingress + 3)) \
  --state-file "$state/ingressgateway.state.json" --drain-timeout 2 --access-log off
# The egress gateway: the one exit to external hosts (scenarios/egress.sh routes the model's provider calls through it).
MESH_JOIN_TOKEN="$(join_token istio-egressgateway istio-system)" start "egressgateway" "${sidecar[@]}" \
  --mode gateway --silo "$(rotated_silos 1)" --namespace istio-system --service istio-egressgateway \
  --labels istio=egressgateway --id egressgateway --outbound-port "$egress" --inbound-port $((egress + 1)) \
  --admin-port $((egress + 3)) --state-file "$state/egressgateway.state.json" --drain-timeout 2
# An "external" model provider: SimLLM speaking only HTTPS, for api.provider.example, with a certificate from its own
# CA (not the mesh's); made with openssl, so without openssl the local mesh runs without it.
if command -v openssl >/dev/null 2>&1; then
  provider_certificates "$state/provider" api.provider.example
  start "provider" dotnet "$(bin demo/Mesh.SimLlm Mesh.SimLlm.dll)" --urls "https://127.0.0.1:$provider" \
    --Kestrel:Certificates:Default:Path="$state/provider/server.crt" \
    --Kestrel:Certificates:Default:KeyPath="$state/provider/server.key" --models provider-large --time-scale 0.1 --seed 7
  wait_http "https://api.provider.example:$provider/health" "$start_timeout" "the external provider" \
    --cacert "$state/provider/ca.crt" --resolve "api.provider.example:$provider:127.0.0.1"
else
  say "no openssl: the external provider of scenarios/egress.sh is not started"
fi
for at in 10 20 40 50; do
  wait_http "http://127.0.0.1:$((base + at))/healthz" "$start_timeout" "demo app :$((base + at))"
  wait_http "http://127.0.0.1:$((base + at + 3))/ready" "$start_timeout" "sidecar admin :$((base + at + 3))"
done
for at in 90 100 110; do
  wait_http "http://127.0.0.1:$((base + at))/health" "$start_timeout" "model server :$((base + at))"
  wait_http "http://127.0.0.1:$((base + at + 3))/ready" "$start_timeout" "sidecar admin :$((base + at + 3))"
done
wait_http "http://127.0.0.1:$((ingress + 3))/ready" "$start_timeout" "ingress gateway"
wait_http "http://127.0.0.1:$((egress + 3))/ready" "$start_timeout" "egress gateway"

# The tokenizer's Sidecar names loopback ports; the file is written for the default base port.
sed -e "s/127\.0\.0\.1:15410/127.0.0.1:$((base + 10))/" -e "s/127\.0\.0\.1:15415/127.0.0.1:$((base + 15))/" \
  deploy/local/mesh/tokenizer-sidecar.yaml >"$state/tokenizer-sidecar.yaml"
meshctl apply -f deploy/local/mesh/model.yaml -f deploy/local/mesh/gateway.yaml -f "$state/tokenizer-sidecar.yaml" \
  -f deploy/local/mesh/ai.yaml >>"$state/logs/apply.log"
# Ready when a request crosses the whole mesh: ingress -> ranker -> model (both sidecars' registrations have arrived).
wait_http "http://127.0.0.1:$ingress/generate?prompt=ready&maxTokens=1" "$start_timeout" "a request through the ingress"
# ... and ingress -> a model server of the pool, through the picker.
wait_http "http://127.0.0.1:$ingress/v1/chat/completions" "$start_timeout" "an inference request through the ingress" \
  -H 'content-type: application/json' -d '{"model":"llama-3-8b","max_tokens":1,"messages":[{"role":"user","content":"ready"}]}'

cat >"$state/env" <<ENV
export MESH_SERVER=$MESH_SERVER MESH_BASE_PORT=$base MESH_STATE_DIR=$state
ENV
if [ "$headless" = 1 ]; then
  echo "READY ingress=http://127.0.0.1:$ingress silos=$silos pids=$state/pids"
else
  cat <<MSG

Local mesh is up. Store: $store. Silos: $silos.
Demo AI app: tokenizer, model v1 + v2 (word n-gram models trained at start), ranker; every service behind its own
sidecar with a workload certificate; ingress gateway on http://127.0.0.1:$ingress; an AI pool of three SimLLM model
servers (InferencePool llm-pool: llama-3-8b twice, a canary llama-3-8b-v2) picked by prompt prefix and load, with
token limits per x-user (mesh/ai.yaml); an egress gateway, and an
"external" model provider on https://127.0.0.1:$provider with its own CA (reached through the egress gateway once
./deploy/local/scenarios/egress.sh has run).

  curl -N 'http://127.0.0.1:$ingress/generate?prompt=the+sidecar&maxTokens=20'     # tokens stream back as SSE
  curl 'http://127.0.0.1:$ingress/complete?prompt=the+model+streams&candidates=3'   # ranked by embedding similarity
  curl 'http://127.0.0.1:$ingress/tokenize?text=Hello+mesh'
  curl http://127.0.0.1:$ingress/v1/chat/completions -H 'content-type: application/json' -H 'x-user: me' \
    -d '{"model":"llama-3-8b","max_tokens":16,"messages":[{"role":"user","content":"hello pool"}]}'   # OpenAI API
  curl -N http://127.0.0.1:$ingress/v1/chat/completions -H 'content-type: application/json' \
    -d '{"model":"llama-3-8b-v2","stream":true,"max_tokens":16,"messages":[{"role":"user","content":"hi"}]}'   # streamed
  ./deploy/local/scenarios/ai.sh        # model routing, prefix affinity, fallback, a token limit tripping
  printf '\\0\\0\\0\\0\\0' | curl -s --http2-prior-knowledge -H 'content-type: application/grpc' --data-binary @- \\
    -o /dev/null -w '%{http_code} grpc-status %header{grpc-status}\\n' http://127.0.0.1:$ingress/grpc.health.v1.Health/Check   # gRPC
  source $state/env; export MESH_TOKEN=\$(cat $state/admin-token)
  dotnet cli/Mesh.Cli/bin/$configuration/net10.0/meshctl.dll describe service model
  curl 'http://127.0.0.1:$ingress/ask?prompt=hello+provider'                        # the model asks an external provider
  ./deploy/local/scenarios/canary.sh    # also: ab-test.sh, fault-injection.sh, circuit-breaking.sh, mtls-authz.sh,
                                        #       egress.sh, kill-silo.sh, reset.sh (docs/demo.md)
  curl http://127.0.0.1:$((base + 53))/metrics                                        # the ranker sidecar's metrics
  dotnet cli/Mesh.Cli/bin/$configuration/net10.0/meshctl.dll stat                    # success, rps, latency, mTLS per workload
  open ${silos%%,*}/dashboard in a browser                                          # live service graph (docs/observability.md)

Logs in $state/logs. Press Ctrl-C to stop everything.
MSG
fi
# down.sh (from another terminal) stops the processes and removes the pids file: then there is nothing left to wait for.
while [ -f "$state/pids" ]; do wait || true; sleep 1; done
exit 0
