# The demo AI application (one image; --role tokenizer|model|ranker chooses the service).
#   docker build -f deploy/docker/demo.Dockerfile -t mesh-demo .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish demo/Mesh.Demo/Mesh.Demo.csproj -c Release -o /out -nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out .
ENV DOTNET_gcServer=0
USER app
ENTRYPOINT ["dotnet", "mesh-demo.dll"]
