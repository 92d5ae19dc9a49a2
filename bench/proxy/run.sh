#!/usr/bin/env bash
# One-hop proxy benchmark: direct vs one sidecar vs two sidecars vs nginx vs haproxy, all in ONE run, same machine.
# Upstream: nginx serving a static 1 KB file (keep-alive). Load: wrk, HTTP/1.1 keep-alive.
# Usage: bench/proxy/run.sh [duration_seconds=6] [rounds=3] [connections=32]   (MESH_BENCH_SIDECAR: the sidecar to run;
# MESH_BENCH_BARE_YARP: a published bare YARP executable to run instead of its JIT build)
# Results: medians over rounds, printed as a markdown table (paste into docs/benchmarks.md (section "Sidecar proxy")).
set -euo pipefail

DURATION=${1:-6}
ROUNDS=${2:-3}
CONNECTIONS=${3:-32}
THREADS=1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/proxy/common.sh
source "$ROOT/bench/proxy/common.sh"

for tool in wrk nginx haproxy h2load dotnet python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y wrk nginx haproxy nghttp2-client)"; exit 1; }
done

UPSTREAM=18080; NGINX=18081; HAPROXY=18082; BARE=18083; CEILING=18084; SERVE=18085
SC1_OUT=18101; SC1_IN=18102; SC1_ADMIN=18103
SC2_OUT=18111; SC2_IN=18112; SC2_ADMIN=18113   # client sidecar of the two-hop chain
SC3_OUT=18121; SC3_IN=18122; SC3_ADMIN=18123   # server sidecar of the two-hop chain

echo "publishing the sidecar, building the bare YARP floor and the Kestrel ceiling (Release)..." >&2
# As it ships (NativeAOT); MESH_BENCH_SIDECAR names another build, e.g. an older commit's, for an A/B.
SIDECAR=${MESH_BENCH_SIDECAR:-$("$ROOT/scripts/publish-sidecar.sh")}
dotnet build -c Release "$ROOT/bench/Mesh.Bench.BareYarp/Mesh.Bench.BareYarp.csproj" -v q -nologo >/dev/null
BARE_YARP="$ROOT/bench/Mesh.Bench.BareYarp/bin/Release/net10.0/Mesh.Bench.BareYarp.dll"
dotnet build -c Release "$ROOT/bench/Mesh.Bench.ForwardCeiling/Mesh.Bench.ForwardCeiling.csproj" -v q -nologo >/dev/null
CEILING_DLL="$ROOT/bench/Mesh.Bench.ForwardCeiling/bin/Release/net10.0/Mesh.Bench.ForwardCeiling.dll"

mkdir -p "$WORK/logs"

cat > "$WORK/haproxy.cfg" <<CONF
global
  nbthread 2
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe
  bind 127.0.0.1:$HAPROXY
  default_backend be
backend be
  server app 127.0.0.1:$UPSTREAM
CONF

write_sidecar_state "$WORK/sc1.json" "$UPSTREAM"
write_sidecar_state "$WORK/sc2.json" "$UPSTREAM" "$SC3_IN"

start_upstream_nginx "$UPSTREAM"
start_proxy_nginx "$NGINX" "$UPSTREAM"
haproxy -f "$WORK/haproxy.cfg" -db >/dev/null 2>&1 & PIDS+=($!); HAPROXY_PID=$!

start_sidecar() { # id out in admin state [extra...]
  local id=$1 out=$2 in=$3 admin=$4 statefile=$5; shift 5
  "$SIDECAR" --id "$id" --outbound-port "$out" --inbound-port "$in" --admin-port "$admin" \
    --state-file "$statefile" --access-log off "$@" > "$WORK/logs/$id.log" 2>&1 &
  PIDS+=($!)
}
start_sidecar one $SC1_OUT $SC1_IN $SC1_ADMIN "$WORK/sc1.json"; SC1_PID=$!
start_sidecar two-client $SC2_OUT $SC2_IN $SC2_ADMIN "$WORK/sc2.json"; SC2_PID=$!
start_sidecar two-server $SC3_OUT $SC3_IN $SC3_ADMIN "$WORK/sc3.json" --service upstream --app-port $UPSTREAM; SC3_PID=$!
# YARP's forwarder and nothing else, with the sidecar's runtime settings: the floor of any YARP-based proxy here.
# MESH_BENCH_BARE_YARP names a published executable of it instead (bench/proxy/floor.sh leaves a NativeAOT one in
# artifacts/bare-yarp-aot), to tell NativeAOT's cost from the mesh's.
if [[ -n "${MESH_BENCH_BARE_YARP:-}" ]]; then
  "$MESH_BENCH_BARE_YARP" "$BARE" "http://127.0.0.1:$UPSTREAM" > "$WORK/logs/bare-yarp.log" 2>&1 & PIDS+=($!); BARE_PID=$!
else
  dotnet "$BARE_YARP" "$BARE" "http://127.0.0.1:$UPSTREAM" > "$WORK/logs/bare-yarp.log" 2>&1 & PIDS+=($!); BARE_PID=$!
fi
# The ceiling of any proxy hosted in Kestrel: a hand-written keep-alive forwarder doing the least a proxy can, and
# Kestrel serving 1 KB itself (its server half alone; not a proxy, so it is left out of the fixed-rate phase).
dotnet "$CEILING_DLL" "$CEILING" "$UPSTREAM" forward > "$WORK/logs/ceiling-forward.log" 2>&1 & PIDS+=($!); CEILING_PID=$!
dotnet "$CEILING_DLL" "$SERVE" "$UPSTREAM" serve > "$WORK/logs/kestrel-serve.log" 2>&1 & PIDS+=($!); SERVE_PID=$!
for admin in $SC1_ADMIN $SC2_ADMIN $SC3_ADMIN; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$admin/ready" >/dev/null 2>&1 && break; sleep 0.1; done
done
for port in $UPSTREAM $NGINX $HAPROXY $BARE $CEILING $SERVE; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
done
curl -sf -o /dev/null -H "Host: upstream" "http://127.0.0.1:$SC1_OUT/" || { echo "sidecar does not route"; curl -si -H "Host: upstream" "http://127.0.0.1:$SC1_OUT/" | head -5; curl -si "http://127.0.0.1:$UPSTREAM/" | head -3; cat "$WORK/logs/"*error.log; exit 1; }
curl -sf -o /dev/null -H "Host: upstream" "http://127.0.0.1:$SC2_OUT/" || { echo "two-hop chain does not route"; exit 1; }

# name url [host header] proxy-pids (whose CPU time per request is reported; for direct: the upstream)
TARGETS=(
  "direct|http://127.0.0.1:$UPSTREAM/||$UP_PID"
  "sidecar-1-hop|http://127.0.0.1:$SC1_OUT/|upstream|$SC1_PID"
  "sidecar-2-hops|http://127.0.0.1:$SC2_OUT/|upstream|$SC2_PID $SC3_PID"
  "nginx|http://127.0.0.1:$NGINX/||$NGINX_PID"
  "haproxy|http://127.0.0.1:$HAPROXY/||$HAPROXY_PID"
  "bare-yarp|http://127.0.0.1:$BARE/||$BARE_PID"
  "ceiling-forward|http://127.0.0.1:$CEILING/||$CEILING_PID"
  "kestrel-serve|http://127.0.0.1:$SERVE/||$SERVE_PID"
)


to_ms() { # wrk latency like 310.00us / 1.20ms / 1.01s
  python3 -c "import sys; v=sys.argv[1]; print(float(v[:-2])/1000 if v.endswith('us') else float(v[:-2]) if v.endswith('ms') else float(v[:-1])*1000)" "$1"
}

declare -A RPS P50 P99 CPU
RSS_SAMPLES=""
for round in $(seq "$ROUNDS"); do
  for target in "${TARGETS[@]}"; do
    IFS='|' read -r name url host pids <<< "$target"
    args=(-t$THREADS -c"$CONNECTIONS" -d"${DURATION}s" --latency)
    [[ -n "$host" ]] && args+=(-H "Host: $host")
    # Warm-up: the sidecar needs a few seconds of traffic for tiered JIT (tier-1 + PGO) and connection pools.
    wrk -t1 -c"$CONNECTIONS" -d"$([[ $round == 1 && ! $name =~ ^(direct|nginx|haproxy)$ ]] && echo 4 || echo 1)s" ${host:+-H "Host: $host"} "$url" >/dev/null
    if [[ "$name" == "sidecar-1-hop" ]]; then
      ( sleep $((DURATION / 2)); awk '/VmRSS/ {print $2}' /proc/$SC1_PID/status > "$WORK/rss" ) & SAMPLER=$!
    fi
    # shellcheck disable=SC2086
    ticks0=$(cpu_ticks $pids)
    out=$(wrk "${args[@]}" "$url")
    # shellcheck disable=SC2086
    ticks1=$(cpu_ticks $pids)
    requests=$(awk '/requests in/ {print $1}' <<< "$out")
    cpu=$(cpu_per_request "$ticks0" "$ticks1" "$requests")
    rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
    p50=$(to_ms "$(awk '$1=="50%" {print $2}' <<< "$out")")
    p99=$(to_ms "$(awk '$1=="99%" {print $2}' <<< "$out")")
    errors=$(grep -E "Non-2xx|Socket errors" <<< "$out" || true)
    if [[ -n "$errors" ]]; then echo "$name round $round: $errors" >&2; fi
    RPS[$name]+="$rps "; P50[$name]+="$p50 "; P99[$name]+="$p99 "; CPU[$name]+="$cpu "
    if [[ "$name" == "sidecar-1-hop" ]]; then
      wait "$SAMPLER"; rss=$(cat "$WORK/rss"); RSS_SAMPLES+="$rss "
    fi
    echo "round $round $name: $rps req/s p50 ${p50}ms p99 ${p99}ms cpu ${cpu}us/req" >&2
  done
done

median() { tr ' ' '\n' <<< "$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
if (( ROUNDS > 0 )); then

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds, medians; $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
echo
echo "| target | req/s | p50 ms | p99 ms | req/s vs nginx | req/s vs haproxy | proxy CPU µs/req |"
echo "|---|---|---|---|---|---|---|"
NGX=$(median "${RPS[nginx]}"); HAP=$(median "${RPS[haproxy]}")
for target in "${TARGETS[@]}"; do
  name=${target%%|*}
  r=$(median "${RPS[$name]}")
  printf "| %s | %.0f | %.3f | %.3f | %.2f | %.2f | %.1f |\n" "$name" "$r" "$(median "${P50[$name]}")" "$(median "${P99[$name]}")" \
    "$(python3 -c "print($r/$NGX)")" "$(python3 -c "print($r/$HAP)")" "$(median "${CPU[$name]}")"
done
DIRECT50=$(median "${P50[direct]}"); ONE50=$(median "${P50[sidecar-1-hop]}")
echo
echo "added p50 latency of one sidecar hop: $(python3 -c "print(round($ONE50-$DIRECT50, 3))") ms"
echo "sidecar RSS under load (VmRSS sampled mid-run, one sample per round): median $(median "$RSS_SAMPLES" | awk '{print int($1/1024)}') MB, max $(tr " " "\n" <<< "$RSS_SAMPLES" | sort -n | tail -1 | awk '{print int($1/1024)}') MB"
fi

# Added latency at a fixed rate, the way Istio's performance tests measure it (1,000 req/s over 16 keep-alive
# connections), so it is the proxy's own cost rather than queueing behind a saturated 2-core machine as under wrk.
# h2load logs every request's duration in microseconds; percentiles are computed from that log. RATE_ROUNDS rounds.
# Latency at this rate moves with the machine's state (idle vCPUs wake slowly; other tenants), so every proxy is
# measured right after a direct run of its own, and the added latency is the median of those paired differences.
RATE_ROUNDS=${RATE_ROUNDS:-3}
declare -A R50 R90 R99 ADDED
rate_run() { # name url host -> "p50 p90 p99" in ms
  local log="$WORK/rate-$1.log"; rm -f "$log"
  # h2load sets the host with the :authority pseudo-header, also for HTTP/1.1 (a Host header would be a second one).
  timeout $((DURATION + 30)) h2load --h1 -c16 --rps 62.5 -D "$DURATION" --warm-up-time 1 ${3:+-H ":authority: $3"} --log-file "$log" "$2" >/dev/null
  python3 -c "
import sys
d=sorted(int(l.split()[2]) for l in open(sys.argv[1]) if l.split()[1]=='200')
q=lambda p: d[min(len(d)-1,int(p*len(d)))]/1000
print(q(.5), q(.9), q(.99))" "$log"
}
for round in $(seq "$RATE_ROUNDS"); do
  for target in "${TARGETS[@]:1}"; do
    IFS='|' read -r name url host pids <<< "$target"
    [[ $name == kestrel-serve ]] && continue
    # Warm-up (tiered JIT) when the wrk rounds were skipped (ROUNDS=0).
    [[ $round == 1 && "$ROUNDS" == 0 ]] && wrk -t1 -c16 -d4s ${host:+-H "Host: $host"} "$url" >/dev/null
    read -r d50 d90 d99 < <(rate_run direct "http://127.0.0.1:$UPSTREAM/" "")
    read -r p50 p90 p99 < <(rate_run "$name" "$url" "$host")
    R50[direct]+="$d50 "; R90[direct]+="$d90 "; R99[direct]+="$d99 "
    R50[$name]+="$p50 "; R90[$name]+="$p90 "; R99[$name]+="$p99 "
    ADDED[$name]+="$(python3 -c "print(round($p50-$d50, 3))") "
    echo "rate round $round $name: p50 ${p50}ms p90 ${p90}ms p99 ${p99}ms (direct just before: p50 ${d50}ms)" >&2
  done
done
echo
echo "fixed rate 1,000 req/s over 16 connections (h2load --h1 -c16 --rps 62.5 -D $DURATION), $RATE_ROUNDS rounds, medians"
echo
echo "| target | p50 ms | p90 ms | p99 ms | added p50 ms (median of paired differences with direct) |"
echo "|---|---|---|---|---|"
for target in "${TARGETS[@]}"; do
  name=${target%%|*}
  [[ $name == kestrel-serve ]] && continue
  added=$([[ $name == direct ]] && echo — || printf "%.3f" "$(median "${ADDED[$name]}")")
  printf "| %s | %.3f | %.3f | %.3f | %s |\n" "$name" "$(median "${R50[$name]}")" "$(median "${R90[$name]}")" "$(median "${R99[$name]}")" "$added"
done
