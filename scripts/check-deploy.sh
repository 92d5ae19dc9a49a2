#!/usr/bin/env bash
# Checks the deploy/ artifacts with whatever tools this machine has, offline; says what it checked and what it
# could not (a missing tool is a skip, not a failure). Called by tests/Mesh.Tests/Deploy.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
configuration="${MESH_CONFIGURATION:-Release}"
checked=() skipped=() failed=()
run() { # run NAME COMMAND...
  local name=$1; shift
  if out=$("$@" 2>&1); then checked+=("$name"); else failed+=("$name"); echo "FAILED $name:"; echo "$out"; fi
}

for script in "$root"/deploy/local/*.sh "$root"/deploy/local/scenarios/*.sh "$root"/scripts/*.sh; do
  run "bash -n $(basename "$script")" bash -n "$script"
done
if command -v shellcheck >/dev/null; then run shellcheck shellcheck -S error "$root"/deploy/local/*.sh "$root"/deploy/local/scenarios/*.sh; else skipped+=("shellcheck (not installed)"); fi

meshctl="$root/cli/Mesh.Cli/bin/$configuration/net10.0/meshctl.dll"
if [ -f "$meshctl" ]; then
  for dir in "$root/deploy/local/mesh" "$root/deploy/local/federation" "$root"/deploy/local/scenarios/*/; do
    run "meshctl apply --dry-run ${dir#"$root"/}" env MESH_SERVER=http://127.0.0.1:9 MESH_TOKEN= HOME=/nonexistent dotnet "$meshctl" apply --dry-run -f "$dir"
  done
else
  skipped+=("Istio YAML validation (meshctl not built in $configuration)")
fi

if command -v systemd-analyze >/dev/null; then
  for unit in "$root"/deploy/systemd/*.service; do
    if grep -q '^ExecStart=/opt/mesh/sidecar/mesh-sidecar' "$unit"; then
      # verify wants the ExecStart program to exist: check a copy that names the locally published sidecar.
      if [ -x "$root/artifacts/sidecar/mesh-sidecar" ]; then
        copy="$(mktemp -d)/$(basename "$unit")"
        sed "s#/opt/mesh/sidecar/mesh-sidecar#$root/artifacts/sidecar/mesh-sidecar#" "$unit" > "$copy"
        run "systemd-analyze verify $(basename "$unit")" systemd-analyze verify "$copy"
        rm -rf "$(dirname "$copy")"
      else
        skipped+=("$(basename "$unit") (sidecar not published: scripts/publish-sidecar.sh)")
      fi
      continue
    fi
    run "systemd-analyze verify $(basename "$unit")" systemd-analyze verify "$unit"
  done
else
  skipped+=("systemd units (systemd-analyze not installed)")
fi

if command -v kubectl >/dev/null; then
  run "kubectl kustomize deploy/kubernetes" kubectl kustomize "$root/deploy/kubernetes"
else
  skipped+=("Kubernetes manifests with kubectl (not installed; the test still parses them)")
fi
if docker compose version >/dev/null 2>&1; then
  run "docker compose config" env MESH_ADMIN_TOKEN=check MESH_CA_KEK=check docker compose -f "$root/deploy/compose/docker-compose.yaml" config -q
else
  skipped+=("docker compose config (no compose plugin; the test still parses the file)")
fi
if command -v hadolint >/dev/null; then run hadolint hadolint "$root"/deploy/docker/*.Dockerfile; else skipped+=("hadolint (not installed)"); fi
skipped+=("building images and running containers or Kubernetes (no container engine or cluster here)")

printf 'checked: %s\n' "${checked[@]}"
printf 'skipped: %s\n' "${skipped[@]}"
printf 'failed: %s\n' "${failed[@]+"${failed[@]}"}" | grep -v '^failed: $' || true
[ ${#failed[@]} -eq 0 ]
