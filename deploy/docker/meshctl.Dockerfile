# meshctl, for applying the mesh configuration from a container (compose's one-shot "configure" service).
#   docker build -f deploy/docker/meshctl.Dockerfile -t meshctl .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish cli/Mesh.Cli/Mesh.Cli.csproj -c Release -o /out -nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /out .
USER app
ENTRYPOINT ["dotnet", "meshctl.dll"]
