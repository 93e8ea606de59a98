# One image for every Switchboard component; the command chooses which one runs, e.g.
#   docker run switchboard services/classifier/dist/main.js
# Build stage: install, generate the protobuf code, compile. Runtime stage: production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc buf.yaml buf.gen.yaml tsconfig.base.json tsconfig.build.json ./
COPY proto proto
COPY packages packages
COPY sandbox sandbox
COPY services services
COPY examples examples
RUN npm ci && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages packages
COPY --from=build /app/sandbox sandbox
COPY --from=build /app/services services
USER node
ENTRYPOINT ["node"]
CMD ["services/ingress/dist/main.js"]
