# syntax=docker/dockerfile:1
# Parley's container image (docs/deploy.md "Scale-out with compose"): built with the development
# dependencies, run with the production ones only, as an unprivileged user, data in /data.
#
#   docker build -t parley .
#   docker run -p 8080:8080 -p 8765:8765 -v parley-data:/data parley

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3, @node-rs/argon2 and sharp ship prebuilt binaries for glibc on x64 and arm64; the
# compiler is for the platforms that have none.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# `npm ci` runs the prepare script, which compiles src/ to dist/; then the dev tools go.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PARLEY_CONFIG=/data/settings.toml \
    PARLEY_DATA_DIR=/data \
    PARLEY_LISTEN=0.0.0.0:8080 \
    PARLEY_CHATCLI_LISTEN=0.0.0.0:8765
WORKDIR /app
# The program belongs to root and is read-only for the user that runs it.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY package.json README.md DEPENDENCIES.md ./
# The node image's unprivileged user (uid 1000) owns only the data volume.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080 8765
# Node itself asks /healthz (the slim image has no curl), on the port PARLEY_LISTEN names.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const l=process.env.PARLEY_SERVER_LISTEN||process.env.PARLEY_LISTEN||'';fetch('http://127.0.0.1:'+(l.slice(l.lastIndexOf(':')+1)||'8080')+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/parley.js"]
CMD ["serve"]
