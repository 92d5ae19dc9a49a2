# The control plane. Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile -t mesh-silo .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Node.js and npm at build time only: the silo's build installs the dashboard's graph library with npm ci.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish silo/Mesh.Silo/Mesh.Silo.csproj -c Release -o /out -nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out .
# Settings come from the environment (docs/operations.md): MESH_POSTGRES, Mesh__AdminToken, MESH_CA_KEK, ...
ENV ASPNETCORE_URLS=http://+:8080 DOTNET_gcServer=0
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "mesh-silo.dll"]
