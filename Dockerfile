# syntax=docker/dockerfile:1
#
# CPST exporter image, and the demo load generator as a second target.
#
#   docker build -t cpst-exporter .
#   docker build --target loadgen -t cpst-loadgen .
#
#   docker run -p 4317:4317 -p 4318:4318 -p 9464:9464 cpst-exporter
#
# Configuration is read from /app/appsettings.json and environment variables (Cpst__…, see
# docs). To use your own price table, mount a directory and point Cpst__PricingFile at the file
# in it (a directory, not the single file, so that edits are seen and the table is reloaded):
#
#   docker run -v "$PWD/pricing:/etc/cpst:ro" -e Cpst__PricingFile=/etc/cpst/pricing.yaml …

ARG DOTNET_VERSION=10.0

# ---------------------------------------------------------------- build
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY src/ src/

# Restore and publish in one step, with the NuGet package folder in a build cache: packages are
# downloaded once per builder, not on every source change, and nothing depends on the cache
# surviving between steps.
FROM build AS publish-exporter
RUN --mount=type=cache,id=cpst-nuget,target=/root/.nuget/packages \
    dotnet publish src/CpstExporter/CpstExporter.csproj \
        --configuration Release --output /app -p:UseAppHost=false \
 && for f in appsettings.json pricing.yaml; do \
        test -f "/app/$f" || { echo "the published exporter lacks $f" >&2; exit 1; }; \
    done

FROM build AS publish-loadgen
RUN --mount=type=cache,id=cpst-nuget,target=/root/.nuget/packages \
    dotnet publish src/CpstExporter.LoadGen/CpstExporter.LoadGen.csproj \
        --configuration Release --output /app -p:UseAppHost=false

# ---------------------------------------------------------------- load generator
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS loadgen
WORKDIR /app
COPY --from=publish-loadgen /app ./
USER $APP_UID
ENTRYPOINT ["dotnet", "CpstExporter.LoadGen.dll"]
CMD ["demo", "--endpoint", "http://exporter:4317"]

# ---------------------------------------------------------------- exporter (default target)
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS exporter
WORKDIR /app
# Pending tasks are written here on SIGTERM when Cpst__Tasks__StateFile points into it; mount a
# volume at /var/lib/cpst to keep them across container restarts.
RUN mkdir -p /var/lib/cpst && chown "$APP_UID" /var/lib/cpst
COPY --from=publish-exporter /app ./
# The base image sets ASPNETCORE_HTTP_PORTS=8080; the exporter's listeners come from Cpst:Listen.
ENV Cpst__Listen__OtlpGrpc=http://0.0.0.0:4317 \
    Cpst__Listen__OtlpHttp=http://0.0.0.0:4318 \
    Cpst__Listen__Metrics=http://0.0.0.0:9464 \
    Cpst__PricingFile=/app/pricing.yaml \
    ASPNETCORE_HTTP_PORTS=
EXPOSE 4317 4318 9464
# The non-root user that the .NET images define (uid 1654).
USER $APP_UID
# No HEALTHCHECK: the runtime image has no curl or wget. Orchestrators should probe
# GET /healthz and GET /readyz on port 9464 instead.
ENTRYPOINT ["dotnet", "CpstExporter.dll"]
