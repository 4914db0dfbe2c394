# Roost and its EM emulator share this image; docker-compose.yml picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY scripts/prisma-generate.mjs scripts/
COPY prisma prisma
RUN npm ci --include=dev && npm cache clean --force
COPY . .
EXPOSE 3000 8090
CMD ["npx", "tsx", "src/server.ts"]
