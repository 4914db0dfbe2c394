# Roost's production image (the EM emulator runs from it too; docker-compose.yml picks the command).
# Stage 1 compiles TypeScript with the whole toolchain; stage 2 holds compiled JavaScript and
# production dependencies only, runs as the unprivileged `node` user, and is stopped by SIGTERM
# (node is PID 1 and src/server.ts closes the scheduler, the web server and the database).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prisma-generate.mjs scripts/
COPY prisma prisma
# postinstall generates the Prisma client into src/generated (offline, see TOOLCHAIN.md).
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prisma-generate.mjs scripts/
# No dev dependencies (no tsx, no TypeScript, no Prisma CLI); postinstall skips generation
# because the compiled client is part of dist/. --omit=optional too: @prisma/client names
# prisma and typescript as optional peers, and --omit=dev alone would install them.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY prisma prisma
COPY views views
COPY public public
COPY locales locales
# Writable places for the node user: ROOST_DATA_DIR (./data) and the emulator's state volume.
RUN mkdir -p /app/data /state && chown node:node /app/data /state
USER node
EXPOSE 3000 8090
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
