#!/usr/bin/env bash
# Regenerates docs/api.md from the OpenAPI document of a real silo (started and stopped by the test that renders it).
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${CONFIGURATION:-Release}"
dotnet build tests/Mesh.Tests -c "$configuration" -nologo -clp:ErrorsOnly
MESH_UPDATE_DOCS=1 dotnet test tests/Mesh.Tests -c "$configuration" --no-build -nologo --filter "FullyQualifiedName~Mesh.Tests.Docs.ApiReferenceTests"
echo "docs/api.md regenerated"
