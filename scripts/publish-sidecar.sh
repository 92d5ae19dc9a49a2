#!/usr/bin/env bash
# Publishes the deployable sidecar: one self-contained native executable compiled with NativeAOT (settings in
# sidecar/Mesh.Sidecar/Mesh.Sidecar.csproj). NativeAOT links with clang and zlib; they are installed when missing
# (as root, with apt). Where they cannot be had, the sidecar is published trimmed and ReadyToRun instead, and this
# script says so. Prints the path of the executable.
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
toolchain_ready() { command -v clang >/dev/null 2>&1 && [ -f /usr/include/zlib.h ]; }
if ! toolchain_ready && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "publish-sidecar: installing clang and zlib1g-dev for NativeAOT" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang zlib1g-dev; } >&2 || true
fi
mode=()
if ! toolchain_ready; then
  echo "publish-sidecar: no clang/zlib here; publishing the trimmed ReadyToRun build instead of NativeAOT" >&2
  mode=(-p:MeshSidecarJit=true)
fi
dotnet publish sidecar/Mesh.Sidecar/Mesh.Sidecar.csproj -c Release -r "$rid" -o "$output" -nologo -clp:ErrorsOnly "${mode[@]}" >&2
echo "$output/mesh-sidecar"
