# The data plane: run it in the workload's network namespace (a pod, or compose's network_mode: service:APP).
#   docker build -f deploy/docker/sidecar.Dockerfile -t mesh-sidecar .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# Self-contained, framework trimmed and precompiled (scripts/publish-sidecar.sh): ~10 MB less RSS under load.
RUN scripts/publish-sidecar.sh /out

# No .NET runtime needed in the image: the published sidecar carries the part of it that it uses.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
WORKDIR /app
COPY --from=build /out .
# Flags or MESH_* variables (sidecar/README.md); the state file survives restarts in /var/lib/mesh. The runtime
# settings measured for the proxy (server GC, inline socket completions) come with the build; do not override them.
ENV MESH_STATE_FILE=/var/lib/mesh/state.json
EXPOSE 15001 15006 15000
USER app
ENTRYPOINT ["./mesh-sidecar"]
