#!/usr/bin/env bash
# Two sidecar hops (wrk -> outbound sidecar -> inbound sidecar -> nginx serving 1 KB), plaintext against mTLS in
# one run. Alternates the two for ROUNDS rounds of DURATION each and prints the medians of req/s and p99 and
# their ratio. Usage: bench/proxy/mtls.sh   (env: CONFIG=Release DURATION=10s ROUNDS=3 CONNECTIONS=32 THREADS=2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONFIG=${CONFIG:-Release}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
TOKEN=bench-admin-token
WORK=$(mktemp -d /tmp/mesh-mtls-bench.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install -y wrk)"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  dotnet build -c "$CONFIG" -v q "$ROOT/silo/Mesh.Silo/Mesh.Silo.csproj" >/dev/null
  "$ROOT/scripts/publish-sidecar.sh" >/dev/null
fi
SILO_DLL=$ROOT/silo/Mesh.Silo/bin/$CONFIG/net10.0/mesh-silo.dll
SIDECAR=$ROOT/artifacts/sidecar/mesh-sidecar   # as it ships: NativeAOT

# The app: nginx answering 1 KB on every path.
APP=$(free_port)
BODY=$(head -c 1024 /dev/zero | tr '\0' 'x')
cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1; daemon on; pid $WORK/nginx.pid; error_log $WORK/nginx.err;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$APP; keepalive_requests 1000000; location / { return 200 "$BODY"; } } }
NGINX
nginx -c "$WORK/nginx.conf" -p "$WORK"

SILO=$(free_port)
Mesh__AdminToken=$TOKEN dotnet "$SILO_DLL" --urls "http://127.0.0.1:$SILO" >"$WORK/silo.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$SILO/readyz" >/dev/null && break; sleep 0.5; done
api() { curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
for svc in plain secure; do
  api -X PUT "http://127.0.0.1:$SILO/api/v1/namespaces/default/services/$svc" \
    -d "{\"apiVersion\":\"mesh.dev/v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"$svc\",\"namespace\":\"default\"},\"spec\":{\"serviceAccount\":\"$svc\",\"ports\":[{\"name\":\"http\",\"port\":9080}]}}" >/dev/null
done
# STRICT on the secure workload: a 200 through it proves the hop really was mTLS.
api -X PUT "http://127.0.0.1:$SILO/api/v1/namespaces/default/resources/PeerAuthentication/secure-strict" \
  -d '{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"secure-strict","namespace":"default"},"spec":{"selector":{"matchLabels":{"app":"secure"}},"mtls":{"mode":"STRICT"}}}' >/dev/null
join_token() { api -X POST "http://127.0.0.1:$SILO/api/v1/join-tokens" -d "{\"namespace\":\"default\",\"serviceAccount\":\"$1\",\"ttlSeconds\":3600}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }

sidecar() { # name outbound-port extra-args...
  local name=$1 out=$2; shift 2
  "$SIDECAR" --id "$name" --silo "http://127.0.0.1:$SILO" --token "$TOKEN" --state-file "$WORK/$name.json" \
    --outbound-port "$out" --inbound-port 0 --admin-port 0 --access-log off "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}
PLAIN_OUT=$(free_port); SECURE_OUT=$(free_port)
sidecar plain-server 0 --service plain --app-port "$APP" --labels app=plain,version=v1
sidecar secure-server 0 --service secure --app-port "$APP" --labels app=secure,version=v1 --join-token "$(join_token secure)"
sidecar plain-client "$PLAIN_OUT"
sidecar secure-client "$SECURE_OUT" --join-token "$(join_token client)"

wait_ok() { # port host
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $2:9080" "http://127.0.0.1:$1/")" = 200 ] && return 0; sleep 0.5
  done
  echo "no 200 through $2"; tail -n 20 "$WORK"/*.log; exit 1
}
wait_ok "$PLAIN_OUT" plain
wait_ok "$SECURE_OUT" secure

run() { # label port host
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Host: $3:9080" "http://127.0.0.1:$2/" > "$WORK/$1.$round.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.$round.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/$1.$round.txt")
  echo "$1 round $round: $rps req/s, p99 $p99"
  echo "$1 $rps $p99" >> "$WORK/results"
}
wrk -t1 -c8 -d3s -H "Host: plain:9080" "http://127.0.0.1:$PLAIN_OUT/" >/dev/null   # warm-up (JIT, pools)
wrk -t1 -c8 -d3s -H "Host: secure:9080" "http://127.0.0.1:$SECURE_OUT/" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  run plaintext "$PLAIN_OUT" plain
  run mtls "$SECURE_OUT" secure
done

python3 - "$WORK/results" <<'PY'
import statistics, sys
def ms(v):
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(unit): return float(v[:-len(unit)]) * f
rows = [l.split() for l in open(sys.argv[1])]
med = {k: (statistics.median(float(r[1]) for r in rows if r[0] == k), statistics.median(ms(r[2]) for r in rows if r[0] == k)) for k in ("plaintext", "mtls")}
for k, (rps, p99) in med.items(): print(f"median {k:9}: {rps:10.0f} req/s  p99 {p99:7.2f} ms")
print(f"mTLS/plaintext: throughput {med['mtls'][0]/med['plaintext'][0]:.2f}x, p99 {med['mtls'][1]/med['plaintext'][1]:.2f}x")
# Each round runs the two back to back, so the per-round ratio cancels drift in machine load.
pairs = list(zip([r for r in rows if r[0] == "plaintext"], [r for r in rows if r[0] == "mtls"]))
print(f"median per-round ratio: throughput {statistics.median(float(m[1])/float(p[1]) for p, m in pairs):.2f}x, "
      f"p99 {statistics.median(ms(m[2])/ms(p[2]) for p, m in pairs):.2f}x")
PY
