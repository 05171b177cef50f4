# syntax=docker/dockerfile:1
# Gatehouse image: build with the toolchain, run without it.
#   docker build -t gatehouse .
#   docker run -p 3000:3000 -e JWT_SECRET=… -e DATABASE_URL=postgres://… gatehouse

# --- build: compile TypeScript, then keep only the production dependencies ---
FROM node:26-bookworm-slim AS build
# bcrypt and better-sqlite3 compile their native addons when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Install scripts run only for bcrypt and better-sqlite3 (approved under allowScripts), whatever the npm version
# in the image. So the `node` devDependency's preinstall does not run either: the image's own Node builds and
# runs everything, and no second Node is downloaded. The addons are compiled against that Node's headers, in
# /usr/local/include/node on every architecture (.npmrc's nodedir names the x64 package, which is not installed).
RUN npm ci --ignore-scripts && npm rebuild bcrypt better-sqlite3 --nodedir=/usr/local
COPY tsconfig.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# --- runtime: Node, the compiled app and its production dependencies; nothing else ---
FROM node:26-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The files stay root-owned (read-only to the app); only data/ (the SQLite default) is writable.
RUN mkdir data && chown node:node data
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
# No curl in slim images: Node asks /health/live itself.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
