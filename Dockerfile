# FantasyTalking in one image: the gRPC service (50051), the Audio2Face-3D compatible port (52000,
# when FTALK_A2F_PORT is set) and the web console (8080). Configuration: environment variables,
# see README "Container". Every model is inside (mediapipe's face mesh and PocketSphinx's en-US
# model in their wheels, espeak-ng and Festival voices from Debian, three.js from npm); nothing
# is downloaded when the container starts.
#
#   docker build -t fantasytalking .            # or: docker compose up --build
#   docker run -p 127.0.0.1:50051:50051 -p 127.0.0.1:8080:8080 fantasytalking
ARG BASE_IMAGE=debian:bookworm-slim

# ---- build: a virtual environment with the package and its wheels, plus the console's three.js
FROM ${BASE_IMAGE} AS build
ARG EXTRA_CA_CERT=""
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY py_backend ./py_backend
# EXTRA_CA_CERT: a CA bundle for builds behind a TLS-inspecting proxy (mounted at build time, never copied in).
RUN if [ -n "$EXTRA_CA_CERT" ]; then export PIP_CERT="$EXTRA_CA_CERT" NODE_EXTRA_CA_CERTS="$EXTRA_CA_CERT"; fi \
 && python3 -m venv /opt/ftalk \
 && /opt/ftalk/bin/pip install --no-compile . \
 && web="$(/opt/ftalk/bin/python -c 'import fantasy_talking.console as c, os; print(os.path.dirname(c.__file__))')/web" \
 && npm ci --prefix "$web" --no-audit --no-fund --omit=dev && rm -rf /root/.npm \
 && test -f "$web/node_modules/three/build/three.module.js"

# ---- runtime: Python, the speech synthesisers, software OpenGL for MP4 previews, a non-root user
FROM ${BASE_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 espeak-ng libespeak-ng1 festival festvox-kallpc16k \
      libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 ftalk \
 && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/ftalk --shell /usr/sbin/nologin ftalk \
 && mkdir -p /data/outputs && chown ftalk:ftalk /data/outputs
COPY --from=build /opt/ftalk /opt/ftalk
ENV PATH=/opt/ftalk/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 MPLCONFIGDIR=/tmp/matplotlib
USER 10001:10001
WORKDIR /data
VOLUME ["/data/outputs"]
EXPOSE 50051 52000 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "-m", "fantasy_talking.container.healthcheck"]
ENTRYPOINT ["python", "-m", "fantasy_talking.container"]
CMD ["run"]
