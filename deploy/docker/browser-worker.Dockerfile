# syntax=docker/dockerfile:1.7
# Image of the browser-worker service. Build it from the repository root:
#   docker build -f deploy/docker/browser-worker.Dockerfile -t orderflow/browser-worker:0.1.0 .

FROM node:20.20.2-bookworm-slim AS build
ENV CI=true
RUN npm install --global pnpm@10.34.9
WORKDIR /repo
# pnpm fetch reads only the lockfile, so this layer stays cached while sources change.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm fetch --prod --store-dir /pnpm/store
COPY . .
# Copies the service with its production dependencies, including the workspace packages it
# imports, to /app. --legacy deploys without injected workspace packages (pnpm 10).
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm --filter @orderflow/browser-worker --prod deploy --legacy --offline \
      --store-dir /pnpm/store /app

FROM node:20.20.2-bookworm-slim AS runtime
# tini runs as PID 1: it forwards SIGTERM to Node and reaps exited child processes.
RUN apt-get update \
  && apt-get install --yes --no-install-recommends tini \
    chromium fonts-noto-cjk fonts-noto-color-emoji fonts-liberation fonts-dejavu-core \
  && rm -rf /var/lib/apt/lists/*
# Debian's launcher (/usr/bin/chromium) sources every file in /etc/chromium.d before it starts the
# browser. Its dev-shm file adds --disable-dev-shm-usage whenever /dev/shm is below 3.8 GB, which
# would override the pod's memory-backed /dev/shm, so that file goes. Chromium sandboxes its
# renderers in user namespaces, which the RuntimeDefault seccomp profile denies to unprivileged
# containers: there the browser runs without its sandbox instead of failing to start.
RUN rm /etc/chromium.d/dev-shm \
  && printf '%s\n' \
    'unshare --user true 2>/dev/null || CHROMIUM_FLAGS="$CHROMIUM_FLAGS --no-sandbox"' \
    > /etc/chromium.d/orderflow-sandbox
# The services run their TypeScript sources with tsx, a development dependency that the
# production install leaves out.
RUN npm install --global tsx@4.23.15 && npm cache clean --force
ENV NODE_ENV=production \
  NPM_CONFIG_UPDATE_NOTIFIER=false \
  NPM_CONFIG_CACHE=/tmp/.npm \
  CHROMIUM_PATH=/usr/bin/chromium
WORKDIR /app
# Owned by root: the service's user can read its code but not change it.
COPY --from=build /app ./
# The "node" user of the base image.
USER 1000:1000
EXPOSE 9000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["tsx", "src/main.ts"]
