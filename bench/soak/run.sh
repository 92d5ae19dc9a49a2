#!/usr/bin/env bash
# Chaos soak: the local mesh (deploy/local/up.sh: PostgreSQL, three silos, the demo app behind sidecars, ingress and
# egress gateways, the HTTPS provider) under steady mixed traffic (plain HTTP, SSE token streams, a fan-out over mTLS,
# egress through the gateway with TLS origination, and gRPC) for a bounded time, while a schedule of faults runs:
# a silo killed with SIGKILL and restarted, PostgreSQL restarted, the CA root rotated, configuration churned, a
# sidecar killed with SIGKILL and restarted, a sidecar restarted gracefully. It stops by itself and reports requests
# and failures per kind (and when they happened), configuration convergence after each fault, and the memory, thread
# and file-descriptor count of every process over the run (the slope after warm-up shows a leak).
#
#   bench/soak/run.sh [MINUTES=30] [BASE_PORT=17400]      (MESH_SKIP_BUILD=1: use what is built;
#                                                          MESH_SOAK_SCHEDULE="kill-sidecar rotate-root": other faults)
# Results: a folder under /tmp (printed), with traffic.log, samples.tsv, gc.tsv, faults.log and summary.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
minutes="${1:-30}" base="${2:-17400}"
state="$(mktemp -d /tmp/mesh-soak-XXXXXX)"
configuration=Release
source "$root/deploy/local/lib.sh"
ingress="http://127.0.0.1:$((base + 80))"
end=$((SECONDS + minutes * 60))
echo "soak: $minutes min, base port $base, results in $state"

if [ "${MESH_SKIP_BUILD:-0}" != 1 ]; then
  dotnet build "$root/Mesh.sln" -c Release -nologo -clp:ErrorsOnly >"$state/build.log"
  "$root/scripts/publish-sidecar.sh" >/dev/null 2>>"$state/build.log"
fi

MESH_BASE_PORT=$base MESH_STATE_DIR="$state/mesh" MESH_TOKEN_DELAY_MS=5 \
  setsid "$root/deploy/local/up.sh" --headless --no-build >"$state/up.log" 2>&1 &
up=$!
helpers=()
cleanup() {
  touch "$state/stop"
  for pid in "${helpers[@]}"; do kill "$pid" 2>/dev/null || true; done
  kill -INT "$up" 2>/dev/null || true
  wait "$up" 2>/dev/null || true
  MESH_STATE_DIR="$state/mesh" "$root/deploy/local/down.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
deadline=$((SECONDS + 240))
until grep -q '^READY' "$state/up.log"; do
  kill -0 "$up" 2>/dev/null && [ $SECONDS -lt $deadline ] || { cat "$state/up.log" >&2; exit 1; }
  sleep 0.5
done
state_dir="$state/mesh"
# From here on a soak keeps going through whatever fails; each failure is logged as a fault line instead.
set +e
export MESH_SERVER="http://127.0.0.1:$((base + 1))" MESH_TOKEN="$(cat "$state_dir/admin-token")"
MESH_BASE_PORT=$base MESH_STATE_DIR="$state_dir" "$root/deploy/local/scenarios/egress.sh" >"$state/egress.log" 2>&1

# --- traffic: one loop per kind, each request's second, kind and status appended to traffic.log -------------------
traffic_loop() { # KIND URL CHECK: CHECK is a string the body must contain for a 200 to count as a success
  local kind=$1 url=$2 check=$3 body code
  while [ ! -f "$state/stop" ]; do
    body=$(curl -s --max-time 10 -w '\n%{http_code}' "$url" || true)
    code=${body##*$'\n'}
    [ "$code" = 200 ] && ! grep -q -- "$check" <<<"$body" && code="200-incomplete"
    echo "$SECONDS $kind $code" >>"$state/traffic.log"
    sleep 0.05
  done
}
# gRPC: grpc.health.v1 Check through the ingress (h2c) to the tokenizer's gRPC port over mutual TLS; a success is 200
# with grpc-status 0 (curl reports the trailer with the headers).
grpc_loop() {
  local result code
  while [ ! -f "$state/stop" ]; do
    result=$(printf '\0\0\0\0\0' | curl -s --max-time 10 --http2-prior-knowledge -H 'content-type: application/grpc' \
      -H 'te: trailers' --data-binary @- -o /dev/null -w '%{http_code} %header{grpc-status}' "$ingress/grpc.health.v1.Health/Check" || true)
    code=${result%% *}
    [ "$code" = 200 ] && [ "${result#* }" != 0 ] && code="200-grpc-status-${result#* }"
    echo "$SECONDS grpc $code" >>"$state/traffic.log"
    sleep 0.05
  done
}
traffic_loop plain "$ingress/tokenize?text=soak+test" '"tokens"' & helpers+=($!)
traffic_loop sse "$ingress/generate?prompt=soak&maxTokens=4" 'event: done' & helpers+=($!)
traffic_loop fanout "$ingress/complete?prompt=soak&candidates=2&maxTokens=3" '"best"' & helpers+=($!)
traffic_loop egress "$ingress/ask?prompt=soak&maxTokens=2" '"text"' & helpers+=($!)
grpc_loop & helpers+=($!)

# --- samples: memory (RSS), threads and open descriptors of every process, every 10 s ------------------------------
sampler() {
  while [ ! -f "$state/stop" ]; do
    while read -r name pid; do
      [ -r "/proc/$pid/status" ] || continue
      rss=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status") threads=$(awk '/^Threads:/{print $2}' "/proc/$pid/status")
      [ -n "$rss" ] || continue  # exited (a zombie has no VmRSS)
      fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
      echo "$SECONDS $name $pid $rss $threads $fds" >>"$state/samples.tsv"
    done <"$state_dir/pids"
    # The proxies' managed heap and what the GC holds committed, so RSS growth can be told apart from heap growth.
    for admin in 13 23 43 53 73 83; do
      curl -sf --max-time 2 "http://127.0.0.1:$((base + admin))/metrics" \
        | awk -v t=$SECONDS -v p=$((base + admin)) '/^dotnet_gc_heap_size_bytes /{h=$2} /^dotnet_gc_committed_bytes /{c=$2} /^process_resident_memory_bytes /{r=$2}
            END {if (r) printf "%d %d %.1f %.1f %.1f\n", t, p, r/1048576, h/1048576, c/1048576}' >>"$state/gc.tsv"
    done
    sleep 10
  done
}
sampler & helpers+=($!)

# --- faults ---------------------------------------------------------------------------------------------------------
fault() { echo "$SECONDS $*" | tee -a "$state/faults.log"; }
pid_of() { awk -v n="$1" '$1==n{print $2}' "$state_dir/pids" | tail -1; }

# converge WHAT: applies a configuration change and logs how long until every sidecar and gateway runs it.
marker=0
converge() {
  local started=$SECONDS t0 revision admin deadline
  marker=$((marker + 1))
  printf 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: soak-marker\nspec:\n  hosts: [marker-%s.soak.example]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  endpoints: [{address: 127.0.0.9}]\n' \
    "$marker" >"$state/marker.yaml"
  dotnet "$(bin cli/Mesh.Cli meshctl.dll)" apply -f "$state/marker.yaml" >/dev/null 2>&1 || { fault "  $1: apply failed"; return 0; }
  t0=$(date +%s%N)
  revision=$(curl -sf "$MESH_SERVER/metrics" | awk '/^mesh_silo_revision /{print $2}')
  # Every sidecar polled at once (a process per poll costs tens of ms on 2 cores): each prints when it got there.
  local times
  times=$(for admin in 13 23 43 53 73 83; do
    (until [ "$(curl -sf "http://127.0.0.1:$((base + admin))/metrics" | awk '/^mesh_sidecar_config_revision /{print $2}')" -ge "${revision%.*}" ] 2>/dev/null; do
       [ $SECONDS -lt $((started + 60)) ] || { echo "never:$((base + admin))"; exit 0; }
       sleep 0.02
     done; echo $(( ($(date +%s%N) - t0) / 1000000 ))) &
  done; wait)
  if grep -q never <<<"$times"; then fault "  $1: not converged after 60 s on $(grep never <<<"$times" | cut -d: -f2 | paste -sd' ')"; return 0; fi
  fault "  $1: a change applied then reached every sidecar and gateway in $(sort -n <<<"$times" | tail -1) ms (first $(sort -n <<<"$times" | head -1) ms)"
}

# restart NAME [fresh-join-token SA [NS]]: SIGKILL (or SIGTERM with GRACEFUL=1) a recorded process and start it again
# with the same command line and environment.
restart() {
  local name=$1 pid cmd=() envs=() i
  pid=$(pid_of "$name")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || { fault "  $name is not running; not restarted"; return 0; }
  mapfile -d '' cmd <"/proc/$pid/cmdline"; mapfile -d '' envs <"/proc/$pid/environ"
  if [ -n "${2:-}" ]; then
    for i in "${!envs[@]}"; do [[ ${envs[$i]} == MESH_JOIN_TOKEN=* ]] && envs[$i]="MESH_JOIN_TOKEN=$(join_token "$2" "${3:-default}")"; done
  fi
  if [ "${GRACEFUL:-0}" = 1 ]; then kill -TERM "$pid"; else kill -KILL "$pid"; fi
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  sleep "${DOWN_SECONDS:-0}"
  local started_ns new_pid
  started_ns=$(date +%s%N)
  env -i "${envs[@]}" "${cmd[@]}" >>"$state_dir/logs/$name.log" 2>&1 &
  new_pid=$!
  sed -i "/^$name $pid\$/d" "$state_dir/pids"; echo "$name $new_pid" >>"$state_dir/pids"
  # Ready first, then converge: otherwise the convergence time after a restart is mostly the process's start-up.
  if [ -n "${READY_URL:-}" ]; then
    local deadline=$((SECONDS + 60))
    until curl -sf -o /dev/null "$READY_URL"; do
      [ $SECONDS -lt $deadline ] || { fault "  $name restarted as pid $new_pid, not ready after 60 s"; return 0; }
      sleep 0.05
    done
    fault "  $name restarted as pid $new_pid, ready $(( ($(date +%s%N) - started_ns) / 1000000 )) ms after its start"
  else
    fault "  $name restarted as pid $new_pid"
  fi
}

rotate_root() {
  local old new admin auth=(-H "Authorization: Bearer $MESH_TOKEN")
  old=$(curl -sf "${auth[@]}" "$MESH_SERVER/api/v1/ca/roots" | grep -o '{[^{}]*}' | grep '"state":"active"' \
    | grep -o '"thumbprint":"[^"]*"' | head -1 | cut -d'"' -f4 || true)
  # A write can meet a 503 while the cluster settles after an earlier fault; it is safe to repeat.
  local attempt answer=""
  for attempt in 1 2 3 4 5; do
    answer=$(curl -s -w '\n%{http_code}' -X POST "${auth[@]}" -H 'Content-Type: application/json' -d '{"activate":false}' \
      "$MESH_SERVER/api/v1/ca/roots" || true)
    new=$(grep -o '"thumbprint":"[^"]*"' <<<"$answer" | head -1 | cut -d'"' -f4 || true)
    [ -z "$new" ] || break
    fault "  creating a root, attempt $attempt: HTTP $(tail -1 <<<"$answer") $(head -c 200 <<<"$answer" | head -1)"
    sleep 2
  done
  if [ -z "$old" ] || [ -z "$new" ]; then fault "  root rotation could not start (active root '$old', new root '$new')"; return 0; fi
  converge "new root ${new:0:12} in the trust bundle"
  curl -sf -X POST "${auth[@]}" "$MESH_SERVER/api/v1/ca/roots/$new/activate" >/dev/null || fault "  activate failed"
  for admin in 13 23 43 53 73 83; do curl -sf -X POST "http://127.0.0.1:$((base + admin))/certs/rotate" >/dev/null || fault "  rotate on :$((base + admin)) failed"; done
  converge "certificates re-issued under the new root"
  curl -sf -X DELETE "${auth[@]}" "$MESH_SERVER/api/v1/ca/roots/$old" >/dev/null || fault "  retiring ${old:0:12} failed"
  converge "old root ${old:0:12} retired"
}

read -r -a schedule <<<"${MESH_SOAK_SCHEDULE:-kill-silo restart-postgres rotate-root churn-config kill-sidecar restart-sidecar}"
warmup=$(( minutes * 60 / 10 )); [ $warmup -gt 120 ] && warmup=120
interval=$(( (minutes * 60 - warmup - 60) / (2 * ${#schedule[@]}) ))   # the schedule runs twice
sleep "$warmup"
converge "baseline"
step_no=0
while [ $((SECONDS + 30)) -lt $end ]; do
  what=${schedule[$((step_no % ${#schedule[@]}))]}; step_no=$((step_no + 1))
  fault "fault $step_no: $what"
  case $what in
    kill-silo) DOWN_SECONDS=15 READY_URL="http://127.0.0.1:$((base + 2))/readyz" restart "silo-$((base + 2))"; converge "after the silo came back" ;;
    restart-postgres)
      runuser -u postgres -- "$(cat "$state_dir/pgbin")/pg_ctl" -D "$(cat "$state_dir/pgdata")" -m fast -w restart >/dev/null 2>&1 \
        || "$(cat "$state_dir/pgbin")/pg_ctl" -D "$(cat "$state_dir/pgdata")" -m fast -w restart >/dev/null
      sed -i "/^postgres /d" "$state_dir/pids"; echo "postgres $(head -1 "$(cat "$state_dir/pgdata")/postmaster.pid")" >>"$state_dir/pids"
      converge "after PostgreSQL restarted" ;;
    rotate-root) rotate_root ;;
    churn-config)
      for i in $(seq 1 10); do
        dotnet "$(bin cli/Mesh.Cli meshctl.dll)" apply -f "$root/deploy/local/scenarios/canary/virtual-service.yaml" >/dev/null
        dotnet "$(bin cli/Mesh.Cli meshctl.dll)" apply -f "$root/deploy/local/mesh/model.yaml" >/dev/null
      done
      converge "after 20 configuration changes" ;;
    kill-sidecar) READY_URL="http://127.0.0.1:$((base + 43))/ready" restart "sidecar-model-v2" model; converge "after the model v2 sidecar came back" ;;
    restart-sidecar) GRACEFUL=1 READY_URL="http://127.0.0.1:$((base + 43))/ready" restart "sidecar-model-v2" model; converge "after the model v2 sidecar restarted gracefully" ;;
  esac
  next=$((SECONDS + interval - (SECONDS % interval)))
  while [ $SECONDS -lt $next ] && [ $SECONDS -lt $((end - 30)) ]; do sleep 1; done
done
while [ $SECONDS -lt $end ]; do sleep 1; done
touch "$state/stop"
sleep 2

# --- summary --------------------------------------------------------------------------------------------------------
{
  echo "soak of $minutes min on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD)"
  echo
  echo "requests per kind (status counts):"
  awk '{n[$2]++; c[$2" "$3]++} END {for (k in n) {printf "  %-7s %6d:", k, n[k]; for (kc in c) {split(kc, a, " "); if (a[1]==k) printf " %s=%d", a[2], c[kc]} print ""}}' "$state/traffic.log" | sort
  echo
  echo "failures (non-200) by second of the run:"
  awk '$3 != "200" {print "  t=" $1 "s " $2 " " $3}' "$state/traffic.log" | uniq -c | head -40
  echo
  echo "faults and convergence:"
  sed 's/^/  t=/' "$state/faults.log"
  echo
  echo "per process after warm-up (t >= $warmup s): RSS MB first/last/max, slope MB per 10 min, threads first/last, fds first/last"
  awk -v w="$warmup" '$1 >= w {
      k=$2 "/" $3; if (!(k in f)) {f[k]=$4; ft[k]=$5; ff[k]=$6}
      l[k]=$4; lt[k]=$5; lf[k]=$6; if ($4 > m[k]) m[k]=$4
      n[k]++; sx[k]+=$1; sy[k]+=$4; sxx[k]+=$1*$1; sxy[k]+=$1*$4 }
    END { for (k in n) { d = n[k]*sxx[k] - sx[k]*sx[k]; s = d > 0 ? (n[k]*sxy[k] - sx[k]*sy[k]) / d : 0
      slope = n[k] >= 60 ? sprintf("%+6.2f", s*600/1024) : "     -"  # under 10 min of samples a slope is noise
      printf "  %-26s %6.1f %6.1f %6.1f  %s   %4d %4d   %4d %4d\n", k, f[k]/1024, l[k]/1024, m[k]/1024, slope, ft[k], lt[k], ff[k], lf[k] } }' \
    "$state/samples.tsv" | sort
  echo
  echo "proxies by admin port (+13 tokenizer, +23 model v1, +43 model v2, +53 ranker, +73 egress, +83 ingress) after warm-up:"
  echo "  RSS MB first/last, managed heap MB first/last, GC committed MB first/last"
  awk -v w="$warmup" '$1 >= w { if (!($2 in r0)) {r0[$2]=$3; h0[$2]=$4; c0[$2]=$5} r1[$2]=$3; h1[$2]=$4; c1[$2]=$5 }
    END { for (p in r0) printf "  :%-6s %6.1f %6.1f   %6.1f %6.1f   %6.1f %6.1f\n", p, r0[p], r1[p], h0[p], h1[p], c0[p], c1[p] }' \
    "$state/gc.tsv" | sort
} | tee "$state/summary.txt"
