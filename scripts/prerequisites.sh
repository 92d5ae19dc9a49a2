#!/usr/bin/env bash
# Installs what the build, the tests and the local mesh use beyond the .NET SDK: PostgreSQL server binaries, openssl
# (independent JWT/CSR test vectors), afl++ (coverage-guided fuzzing, scripts/fuzz.sh), Node.js and npm (the silo's build installs the dashboard's graph library with
# npm ci), Chromium (the dashboard's browser tests) and Prometheus (a real server scrapes sidecars in the metrics
# tests). Safe to run repeatedly; installs only what is missing.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v afl-fuzz >/dev/null 2>&1 || missing+=(afl++)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
# NativeAOT (scripts/publish-sidecar.sh) compiles and links the sidecar with clang against zlib.
command -v clang >/dev/null 2>&1 || missing+=(clang)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${missing[*]} (run as root or install them)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
# initdb refuses to run as root; the test fixture runs it as the postgres user.
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
fi
echo "prerequisites ok: $(ls -d /usr/lib/postgresql/*/bin | tail -1), node $(node --version), npm $(npm --version), $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
