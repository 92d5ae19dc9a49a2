# The data plane: run it in the workload's network namespace (a pod, or compose's network_mode: service:APP).
#   docker build -f deploy/docker/sidecar.Dockerfile -t mesh-sidecar .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish sidecar/Mesh.Sidecar/Mesh.Sidecar.csproj -c Release -o /out -nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out .
# Flags or MESH_* variables (sidecar/README.md); the state file survives restarts in /var/lib/mesh.
ENV DOTNET_gcServer=0 MESH_STATE_FILE=/var/lib/mesh/state.json
EXPOSE 15001 15006 15000
USER app
ENTRYPOINT ["dotnet", "mesh-sidecar.dll"]
