# syntax=docker/dockerfile:1
# One image for every weft process: `weft serve` (API + scheduler, the default command) and
# `weft worker` (executes queued executions from PostgreSQL).

# ---- build: compile TypeScript and the native addons (isolated-vm, better-sqlite3) ----
# Node 24, the active LTS (weft also runs on 20 and 22); isolated-vm 6.x ships its binary for it
FROM node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json ./
COPY core ./core
COPY runtime ./runtime
COPY api ./api
COPY plugins ./plugins
COPY bin ./bin
# npm ci builds the native addons and runs `prepare` (tsc → dist/); then drop the dev dependencies
RUN npm ci && npm prune --omit=dev

# ---- runtime: no compilers, no sources, an unprivileged user ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    # isolated-vm needs it; set here, bin/weft.js does not have to re-spawn node to add it
    NODE_OPTIONS=--no-node-snapshot \
    WEFT_HOST=0.0.0.0 \
    WEFT_PORT=8080 \
    WEFT_DATA_DIR=/var/lib/weft
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/plugins ./plugins
RUN mkdir -p /var/lib/weft && chown node:node /var/lib/weft
USER node
VOLUME ["/var/lib/weft"]
EXPOSE 8080
# `weft serve` answers /healthz; docker-compose.yml gives workers their own probe (--health-file)
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.WEFT_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/weft.js"]
CMD ["serve"]
