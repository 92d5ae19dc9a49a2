# The data plane: run it in the workload's network namespace (a pod, or compose's network_mode: service:APP).
#   docker build -f deploy/docker/sidecar.Dockerfile -t mesh-sidecar .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# One native executable compiled with NativeAOT (scripts/publish-sidecar.sh), which links with clang against zlib.
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
RUN scripts/publish-sidecar.sh /out

# No .NET runtime needed in the image: the native sidecar carries the part of it that it uses.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
WORKDIR /app
COPY --from=build /out .
# Flags or MESH_* variables (sidecar/README.md); the state file survives restarts in /var/lib/mesh. The runtime
# settings measured for the proxy (server GC, inline socket completions) come with the build; do not override them.
ENV MESH_STATE_FILE=/var/lib/mesh/state.json
EXPOSE 15001 15006 15000
USER app
ENTRYPOINT ["./mesh-sidecar"]
