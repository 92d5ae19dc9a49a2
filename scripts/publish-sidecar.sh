#!/usr/bin/env bash
# Publishes the deployable sidecar: self-contained for this machine's runtime identifier, framework trimmed and
# precompiled (settings in sidecar/Mesh.Sidecar/Mesh.Sidecar.csproj). Prints the path of the executable.
# Usage: scripts/publish-sidecar.sh [output directory=artifacts/sidecar]
set -euo pipefail
cd "$(dirname "$0")/.."
output="${1:-artifacts/sidecar}"
case "$output" in /*) ;; *) output="$(pwd)/$output" ;; esac
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64 | arm64) rid=linux-arm64 ;;
  *) echo "publish-sidecar: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
dotnet publish sidecar/Mesh.Sidecar/Mesh.Sidecar.csproj -c Release -r "$rid" -o "$output" -nologo -clp:ErrorsOnly >&2
echo "$output/mesh-sidecar"
