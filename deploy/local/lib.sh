# Helpers shared by up.sh, down.sh and the scenarios. Sourced with $root, $state (and $configuration) set.
# Secrets (admin token, join tokens) travel in environment variables, never on command lines that ps shows.

say() { echo "mesh: $*" >&2; }

bin() { echo "$root/$1/bin/${configuration:-Release}/net10.0/$2"; }

# start NAME COMMAND...: runs in the background with its log under logs/, and records "NAME PID" in the pids file.
start() {
  local name=$1; shift
  "$@" >"$state/logs/$name.log" 2>&1 &
  echo "$name $!" >>"$state/pids"
}

# wait_http URL SECONDS WHAT [CURL OPTION...]: polls until the URL answers 2xx, or fails naming what never came up.
wait_http() {
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null --max-time 5 "${@:4}" "$1"; do
    all_alive || return 1
    if [ $SECONDS -ge $deadline ]; then say "$3 did not come up within $2 s ($1); logs in $state/logs"; return 1; fi
    sleep 0.2
  done
}

# all_alive: fails, naming it, when a process this run started has exited (so start-up fails fast, not at a timeout).
all_alive() {
  local name pid
  while read -r name pid; do
    if ! kill -0 "$pid" 2>/dev/null; then say "$name (pid $pid) exited; see $state/logs/$name.log"; return 1; fi
  done <"$state/pids"
}

# choose_sidecar: sets the array "sidecar" to the command that runs a sidecar: MESH_SIDECAR when set, else the sidecar
# as it ships (NativeAOT; scripts/publish-sidecar.sh), else the framework-dependent build.
choose_sidecar() {
  if [ -n "${MESH_SIDECAR:-}" ]; then
    read -r -a sidecar <<< "$MESH_SIDECAR"
  elif [ -x "$root/artifacts/sidecar/mesh-sidecar" ]; then
    sidecar=("$root/artifacts/sidecar/mesh-sidecar")
  else
    sidecar=(dotnet "$(bin sidecar/Mesh.Sidecar mesh-sidecar.dll)")
  fi
}

meshctl() { dotnet "$(bin cli/Mesh.Cli meshctl.dll)" "$@"; }

# join_token SERVICE_ACCOUNT [NAMESPACE]: a join token the sidecar trades for its workload certificate (SVID) at start.
join_token() {
  curl -sf -X POST "$MESH_SERVER/api/v1/join-tokens" -H "Authorization: Bearer $MESH_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"namespace\":\"${2:-default}\",\"serviceAccount\":\"$1\",\"ttlSeconds\":86400}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}

# provider_certificates DIR HOST: the external provider's own CA (nothing to do with the mesh's) and a server
# certificate for HOST signed by it, made once with openssl: ca.crt, server.crt, server.key.
provider_certificates() {
  local dir=$1 host=$2
  [ -s "$dir/server.crt" ] && return 0
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=Demo Provider Root CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$host" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$host" >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 825 \
    -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null
  chmod 600 "$dir/ca.key" "$dir/server.key"
}

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_postgres BIN PORT: a cluster of our own under $state/pg (initdb on first use), on 127.0.0.1 only. As root the
# server runs as the postgres user, which may not reach a checkout under /root: then the cluster lives in /var/tmp.
start_postgres() {
  local pgbin=$1 port=$2 pgdata="$state/pg" pglog="$state/logs/postgres.log"
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
  fi
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$state"; then
    pgdata="/var/tmp/mesh-pg-$(echo "$state" | cksum | cut -d' ' -f1)" pglog="/var/tmp/mesh-pg-$(echo "$state" | cksum | cut -d' ' -f1).log"
    say "the postgres user cannot reach $state; its database lives in $pgdata"
  fi
  echo "$pgdata" >"$state/pgdata"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    mkdir -p "$pgdata"
    [ "$(id -u)" -eq 0 ] && chown postgres "$pgdata"
    as_pg "$pgbin/initdb" -D "$pgdata" -A trust -U postgres >"$state/logs/initdb.log"
  fi
  touch "$pglog"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$pgdata" "$pglog"; fi
  echo "$pgbin" >"$state/pgbin"
  as_pg "$pgbin/pg_ctl" -D "$pgdata" -l "$pglog" -w -t 60 \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
  echo "postgres $(head -1 "$pgdata/postmaster.pid")" >>"$state/pids"
}

# stop_all: SIGTERM to every recorded process (newest first), SIGKILL after 15 s, then pg_ctl stop. Idempotent.
stop_all() {
  trap - INT TERM EXIT
  if [ -f "$state/pids" ]; then
    local pids
    pids=$(grep -v '^postgres ' "$state/pids" | awk '{print $2}' | tac)
    for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
    local deadline=$((SECONDS + 15))
    for pid in $pids; do
      while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    done
  fi
  local pgdata
  pgdata=$(cat "$state/pgdata" 2>/dev/null || echo "$state/pg")
  if [ -f "$pgdata/postmaster.pid" ] && [ -f "$state/pgbin" ]; then
    as_pg "$(cat "$state/pgbin")/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -f "$state/pids"
  say "local mesh stopped"
}
