#!/usr/bin/env bash
# Sidecar start-up and idle memory: from process start to /ready answering 200 with a state file of N services (each
# with one endpoint and a VirtualService), then VmRSS after 2 s idle. Each start is a fresh process on free ports.
# Usage: bench/proxy/startup.sh [services=1000] [starts=10] [sidecar executable (default: scripts/publish-sidecar.sh)]
# Prints the medians and every sample; paste into docs/benchmarks.md (section "Sidecar start-up").
set -euo pipefail
SERVICES=${1:-1000}
STARTS=${2:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIDECAR=${3:-$("$ROOT/scripts/publish-sidecar.sh")}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$SIDECAR" "$SERVICES" "$STARTS" "$WORK" "$ROOT/bench/proxy" <<'PY'
import json, os, statistics, sys
sys.path.insert(0, sys.argv[5])
import starts as starts_lib

sidecar, services, starts, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
resources = []
for i in range(services):
    name = f"svc-{i}"
    meta = {"name": name, "namespace": "default"}
    resources.append({"apiVersion": "mesh.dev/v1", "kind": "Service", "metadata": meta, "spec": {"ports": [{"name": "http", "port": 80}]}})
    resources.append({"apiVersion": "mesh.dev/v1", "kind": "Endpoint",
                      "metadata": {"name": f"{name}-1", "namespace": "default", "labels": {"app": name, "version": "v1"}},
                      "spec": {"service": name, "address": "127.0.0.1", "port": 20000 + i % 1000}})
    resources.append({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": name, "namespace": "default"},
                      "spec": {"hosts": [name], "http": [{"timeout": "5s", "route": [{"destination": {"host": name}}]}]}})
state = os.path.join(work, "state.json")
json.dump({"revision": 1, "resources": resources}, open(state, "w"))

def launch(n):
    admin = starts_lib.free_port()
    return ([sidecar, "--id", f"startup-{n}", "--outbound-port", str(starts_lib.free_port()), "--inbound-port", str(starts_lib.free_port()),
             "--admin-port", str(admin), "--state-file", state, "--access-log", "off"], admin, "/ready")

times, rss = starts_lib.measure(starts, launch, work)

print(f"sidecar {sidecar}; state file of {services} services ({len(resources)} resources, {os.path.getsize(state) // 1024} KB); "
      f"{starts} starts; {os.cpu_count()} cores")
print(f"start to ready: median {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f}); samples " + " ".join(f"{t:.0f}" for t in times))
print(f"idle RSS 2 s after ready: median {statistics.median(rss):.1f} MB (max {max(rss):.1f})")
PY
