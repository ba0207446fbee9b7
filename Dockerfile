# Gatehouse image: multi-stage, runs as the unprivileged `node` user, no compilers or dev
# dependencies in the final stage. Never built by CI (no container engine there): npm test lints
# it (test/deploy/container-files.test.ts); see the README's "Containers".

# --- build: native addons (better-sqlite3, argon2 prebuilt) and the TypeScript compile -------
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# --- run -------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root templates ./templates
# The embedded SQLite default writes to ./data; the process may write nowhere else.
RUN mkdir -p /app/data && chown node:node /app/data && chmod 0700 /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 8000 9464
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# dist/main.js directly: the image has no src/ to compile, and signals reach Node (PID 1 is node
# itself; it handles SIGTERM with a graceful shutdown).
CMD ["node", "dist/main.js", "serve"]
