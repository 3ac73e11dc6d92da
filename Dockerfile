# syntax=docker/dockerfile:1
# Build stage: compile TypeScript to dist/.
# Node.js 24, the current LTS (Node.js 20 reached end of life in April 2026).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY controller ./controller
COPY emulator ./emulator
RUN npm run build

# Runtime stage: production dependencies and compiled code only, as a non-root user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY crds ./crds
USER node
EXPOSE 8080
# A 4 MB young generation (V8's default grows to 16 MB per semi-space): the controller allocates fast and keeps
# little, so this caps garbage between scavenges; ADR 0030 and bench/README.md (row `rss`) have the figures.
ENTRYPOINT ["node", "--max-semi-space-size=4", "bin/batch-gitops.js"]
CMD ["run", "--source", "kubernetes"]
