#!/usr/bin/env bash
# Brings up a local mesh on 127.0.0.1: PostgreSQL (from the machine's binaries), two silos sharing it, and a small
# Bookinfo-like workload (productpage v1, reviews v1 and v2), each beside its own sidecar. Then it applies Istio's
# own sample YAML. Everything runs in the background; ./deploy/local/down.sh stops exactly what this started.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
state="$root/.mesh"
mkdir -p "$state/logs"
cd "$root"

"$root/scripts/prerequisites.sh" >/dev/null
dotnet build Mesh.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
bin() { echo "$root/$1/bin/Release/net10.0/$2"; }
remember() { echo "$1" >> "$state/pids"; }

# PostgreSQL: a cluster of our own under .mesh/pg on port 15432.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$state/pg/PG_VERSION" ]; then
  mkdir -p "$state/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$state/pg"
  as_pg "$pgbin/initdb" -D "$state/pg" -A trust -U postgres >/dev/null
fi
if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$state/pg"; touch "$state/logs/postgres.log"; chown postgres "$state/logs/postgres.log"; fi
as_pg "$pgbin/pg_ctl" -D "$state/pg" -l "$state/logs/postgres.log" -w -o "-p 15432 -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
export MESH_POSTGRES="Host=127.0.0.1;Port=15432;Username=postgres;Database=postgres"

# Secrets of this local mesh, created once and kept under .mesh (never printed).
[ -f "$state/admin-token" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$state/admin-token"
[ -f "$state/ca-kek" ] || head -c 32 /dev/urandom | base64 > "$state/ca-kek"
chmod 600 "$state/admin-token" "$state/ca-kek"
export Mesh__AdminToken="$(cat "$state/admin-token")" MESH_CA_KEK="$(cat "$state/ca-kek")"

for port in 5000 5001; do
  Mesh__SiloId="silo-$port" nohup dotnet "$(bin silo/Mesh.Silo mesh-silo.dll)" --urls "http://127.0.0.1:$port" > "$state/logs/silo-$port.log" 2>&1 &
  remember $!
done
for port in 5000 5001; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
done

meshctl() { MESH_SERVER=http://127.0.0.1:5000 MESH_TOKEN="$Mesh__AdminToken" dotnet "$(bin cli/Mesh.Cli meshctl.dll)" "$@"; }
meshctl apply -f deploy/local/services.yaml

# workload: name version app-port inbound outbound admin
start_workload() {
  local name=$1 version=$2 app=$3 inbound=$4 outbound=$5 admin=$6
  HTTP_PROXY="http://127.0.0.1:$outbound" nohup dotnet "$(bin demo/Mesh.Demo mesh-demo.dll)" --urls "http://127.0.0.1:$app" \
    --service "$name" --version "$version" > "$state/logs/$name-$version.log" 2>&1 &
  remember $!
  nohup dotnet "$(bin sidecar/Mesh.Sidecar mesh-sidecar.dll)" --silo http://127.0.0.1:5000,http://127.0.0.1:5001 \
    --token "$Mesh__AdminToken" --namespace default --service "$name" --labels "version=$version" --id "$name-$version" \
    --app-port "$app" --inbound-port "$inbound" --outbound-port "$outbound" --admin-port "$admin" \
    --state-file "$state/$name-$version.state.json" > "$state/logs/sidecar-$name-$version.log" 2>&1 &
  remember $!
}
start_workload productpage v1 9080 15106 15101 15100
start_workload reviews v1 9081 15206 15201 15200
start_workload reviews v2 9082 15306 15301 15300
for admin in 15100 15200 15300; do
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$admin/ready" >/dev/null && break; sleep 0.2; done
done

# Istio's own samples, unchanged: the shared originals beside the repository, else the vendored copy.
samples="$root/../shared/istio-samples"
[ -f "$samples/destination-rule-all.yaml" ] || samples="$root/tests/Mesh.Tests/Samples/istio-samples"
meshctl apply -f "$samples/destination-rule-all.yaml" -f "$samples/virtual-service-reviews-90-10.yaml"

cat <<MSG
Local mesh is up: PostgreSQL :15432, silos :5000 and :5001, productpage v1, reviews v1/v2 with sidecars.
  curl http://127.0.0.1:9080/call/reviews          # productpage -> its sidecar -> reviews (90% v1, 10% v2)
  http_proxy=http://127.0.0.1:15101 curl http://reviews:9080/    # curl reads the lowercase variable
  MESH_TOKEN=\$(cat .mesh/admin-token) dotnet cli/Mesh.Cli/bin/Release/net10.0/meshctl.dll describe service reviews
  curl http://127.0.0.1:15100/metrics              # Istio-named metrics of productpage's sidecar
Stop it with ./deploy/local/down.sh (logs in .mesh/logs).
MSG
