# syntax=docker/dockerfile:1
# One image for every Deskpilot service; the command picks the service:
#   docker run deskpilot serve agent --port 8000
# Configuration comes from the environment: DATABASE_URL (postgresql+asyncpg://…), NATS_URL, DESKPILOT_HTTP_HOST,
# DESKPILOT_HTTP_PORT, DESKPILOT_LOG_LEVEL, DESKPILOT_STREAM_REPLICAS, NATS_CREDENTIALS_DIR (the services' nkeys;
# /run/nats-auth is where `deskpilot nats-config` writes them in docker-compose). Each service answers
# GET /v1/<service>/healthz (liveness) and GET /v1/<service>/readyz (readiness: PostgreSQL and NATS).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/deskpilot
ENV PATH=/opt/deskpilot/bin:$PATH
WORKDIR /src
COPY pyproject.toml constraints.txt ./
COPY deskpilot ./deskpilot
COPY libs ./libs
COPY services ./services
COPY web ./web
# The API's generated client (scripts/generate_client), which the CLI's API commands call the API with.
COPY clients/python ./clients/python
# The integration manifests ship as package data; fail the build if the integrations service would start without
# them. (Imports run from / so that they resolve to the installed packages, not to /src.)
RUN pip install -c constraints.txt . ./clients/python \
 && cd / \
 && python -c 'from services.integrations.manifest import builtin_manifests; assert builtin_manifests(), "no manifests"' \
 && deskpilot serve --help >/dev/null \
 && python -m compileall -q /opt/deskpilot

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="deskpilot" \
      org.opencontainers.image.description="Deskpilot AI customer-support platform (all six services)" \
      org.opencontainers.image.licenses="Apache-2.0"
# A fixed numeric uid/gid, so Kubernetes can verify runAsNonRoot against the image.
RUN groupadd --system --gid 10001 deskpilot \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin deskpilot \
 && mkdir /app /run/nats-auth && chown 10001:10001 /app /run/nats-auth
COPY --from=build /opt/deskpilot /opt/deskpilot
# The public API's contract, served by the web front end at /openapi.json (web/reference.py).
COPY docs/openapi.json /opt/deskpilot/share/openapi.json
ENV PATH=/opt/deskpilot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DESKPILOT_HTTP_HOST=0.0.0.0 \
    DESKPILOT_HTTP_PORT=8000 \
    DESKPILOT_LOG_LEVEL=INFO \
    DESKPILOT_WEB_OPENAPI_DOCUMENT=/opt/deskpilot/share/openapi.json
WORKDIR /app
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["deskpilot"]
CMD ["serve", "conversation"]
