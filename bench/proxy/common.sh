# Shared by the proxy benchmarks: a work directory removed on exit with every process started (PIDS), and CPU
# accounting. Sourced, not run.
WORK=$(mktemp -d /tmp/mesh-bench-proxy.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as an unprivileged user
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPU time (clock ticks) used so far by the given processes and their children (nginx workers). On a shared,
# loaded machine CPU per request is far steadier than req/s, which depends on how much CPU the others left us.
cpu_ticks() {
  local total=0 pid
  for pid in "$@" $(for p in "$@"; do cat /proc/$p/task/*/children 2>/dev/null; done); do
    total=$((total + $(sed 's/.*) //' /proc/$pid/stat | awk '{print $12 + $13}')))
  done
  echo $total
}

# Starts an nginx in the foreground with its own config directory and logs; the last PID started is $!.
# Usage: run_nginx NAME WORKERS HTTP_BLOCK_BODY
run_nginx() {
  mkdir -p "$WORK/nginx-$1" "$WORK/logs"
  cat > "$WORK/nginx-$1/nginx.conf" <<CONF
worker_processes $2;
error_log $WORK/logs/$1-error.log;
pid $WORK/nginx-$1/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
$3
}
CONF
  nginx -c "$WORK/nginx-$1/nginx.conf" -g 'daemon off;' & PIDS+=($!)
}

# The upstream every proxy benchmark measures against: nginx (1 worker) serving a static 1 KB file with keep-alive.
# Sets UP_PID. Usage: start_upstream_nginx PORT
start_upstream_nginx() {
  head -c 1024 /dev/zero | tr '\0' 'x' > "$WORK/1k.txt"
  run_nginx up 1 "  server { listen 127.0.0.1:$1; location / { root $WORK; try_files /1k.txt =404; } }"
  UP_PID=$!
}

# nginx as the reference proxy (2 workers, upstream keep-alive). Sets NGINX_PID. Usage: start_proxy_nginx PORT UPSTREAM
start_proxy_nginx() {
  run_nginx proxy 2 "  upstream app { server 127.0.0.1:$2; keepalive 128; }
  server {
    listen 127.0.0.1:$1;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
  NGINX_PID=$!
}

# A sidecar state file: the routing config a silo would push (Service "upstream" + one Endpoint), loaded at start
# with no silo. With SIDECAR_PORT the endpoint is reached through that sidecar's inbound port.
# Usage: write_sidecar_state FILE UPSTREAM_PORT [SIDECAR_PORT]
write_sidecar_state() {
  python3 - "$1" "$2" "${3:-}" <<'PY'
import json, sys
path, port, sidecar = sys.argv[1], int(sys.argv[2]), sys.argv[3]
endpoint = {"service": "upstream", "address": "127.0.0.1", "port": port}
if sidecar: endpoint["sidecarPort"] = int(sidecar)
doc = {"revision": 1, "resources": [
  {"apiVersion": "mesh.dev/v1", "kind": "Service", "metadata": {"name": "upstream", "namespace": "default"},
   "spec": {"ports": [{"name": "http", "port": 80}]}},
  {"apiVersion": "mesh.dev/v1", "kind": "Endpoint", "metadata": {"name": "upstream-1", "namespace": "default",
   "labels": {"app": "upstream", "version": "v1"}}, "spec": endpoint}]}
json.dump(doc, open(path, "w"))
PY
}

# CPU microseconds per request from two cpu_ticks readings. Usage: cpu_per_request TICKS0 TICKS1 REQUESTS
cpu_per_request() {
  python3 -c "print(round(($2-$1)*1e6/$(getconf CLK_TCK)/max($3,1), 1))"
}
