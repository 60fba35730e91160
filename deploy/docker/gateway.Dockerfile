# syntax=docker/dockerfile:1.7
# Image of the gateway service. Build it from the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t orderflow/gateway:0.1.0 .

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
    pnpm --filter @orderflow/gateway --prod deploy --legacy --offline \
      --store-dir /pnpm/store /app

FROM node:20.20.2-bookworm-slim AS runtime
# tini runs as PID 1: it forwards SIGTERM to Node and reaps exited child processes.
RUN apt-get update \
  && apt-get install --yes --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# The services run their TypeScript sources with tsx, a development dependency that the
# production install leaves out.
RUN npm install --global tsx@4.23.15 && npm cache clean --force
ENV NODE_ENV=production \
  NPM_CONFIG_UPDATE_NOTIFIER=false \
  NPM_CONFIG_CACHE=/tmp/.npm
WORKDIR /app
# Owned by root: the service's user can read its code but not change it.
COPY --from=build /app ./
# The "node" user of the base image.
USER 1000:1000
EXPOSE 8000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["tsx", "src/main.ts"]
