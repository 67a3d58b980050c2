# One image for every role: the bridge (BRIDGE_ROLE=api, worker or all) and the Secret Server
# simulator (node dist/simulator/main.js). No `# syntax=` line: it makes BuildKit fetch that
# frontend image from Docker Hub before every build, so a build without registry access fails; the
# builder's built-in Dockerfile frontend reads this file
# (https://docs.docker.com/build/buildkit/frontend/). Nothing here needs more than that frontend
# or the legacy builder (no --chmod, no --mount).

# Build stage: every dependency from the lock, TypeScript compiled to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY config ./config
COPY src ./src
COPY simulator ./simulator
# No group or other write bit on what the runtime stage takes (COPY keeps modes; fixing them
# there would copy every file into one more layer).
RUN npm run build && chmod -R go-w package.json bin config dist

# Production dependencies alone, from the same lock (https://docs.npmjs.com/cli/commands/npm-ci).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && chmod -R go-w node_modules

# Runtime: production dependencies and compiled code. COPY without --chown leaves them owned by
# root (https://docs.docker.com/reference/dockerfile/#copy---chown---chmod), and the process runs
# as `node`, which can read and run them but not change them.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/config ./config
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# The operator CLI on the PATH (`docker compose exec api scim-bridge token create --name okta`);
# bin/scim-bridge.js runs the compiled dist/src/cli/main.js.
RUN ln -s /app/bin/scim-bridge.js /usr/local/bin/scim-bridge
USER node
EXPOSE 8080
# One check for every role (src/cli/healthcheck-command.ts): api/all GET their own /healthz (PORT,
# HOST, TLS_CERT), a worker looks for its heartbeat in Redis; the simulator's compose service
# passes --url with its own address. https://docs.docker.com/reference/dockerfile/#healthcheck
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["scim-bridge", "healthcheck"]
CMD ["node", "dist/src/main.js"]

# OCI annotations as image labels (https://github.com/opencontainers/image-spec/blob/main/annotations.md).
# VERSION follows package.json (test/ops/docker-files.test.ts checks it); SOURCE is the URL of the
# repository the image is built from: docker build --build-arg SOURCE=https://... .
ARG VERSION=0.1.0
ARG SOURCE=
LABEL org.opencontainers.image.title="scim-bridge" \
      org.opencontainers.image.description="Provision identities from Okta (SCIM 2.0) into Delinea Secret Server, through a durable BullMQ queue." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT"
