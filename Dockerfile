# One image for every Switchboard component; the command chooses which one runs, e.g.
#   docker run switchboard:local services/classifier/dist/main.js
# Build stage: install, generate the protobuf code, compile, keep production dependencies only. Runtime stage:
# Node 24, the compiled code and those dependencies, as the unprivileged `node` user.
# Extra CA certificates (a corporate TLS-intercepting proxy): put them in certs/ (see certs/README.md).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY certs/ /tmp/certs/
RUN find /tmp/certs -maxdepth 1 -type f \( -name '*.crt' -o -name '*.pem' \) -exec cat {} + \
      > /etc/ssl/certs/switchboard-extra-ca.pem
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/switchboard-extra-ca.pem
COPY package.json package-lock.json .npmrc buf.yaml buf.gen.yaml tsconfig.base.json tsconfig.build.json ./
COPY proto proto
COPY packages packages
COPY sandbox sandbox
COPY services services
COPY examples examples
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf packages/*/src packages/*/test services/*/src services/*/test packages/proto/src \
      packages/*/tsconfig*.json services/*/tsconfig*.json \
 && find packages services -name '*.tsbuildinfo' -delete \
 && find node_modules -name '*.md' -not -path '*/@switchboard/*' -delete

FROM node:24-bookworm-slim
# V8's heap bounded: the old generation at 256 MB, each young semi-space at 8 MB. With its own sizing V8 sizes both
# from the host's memory and, under a burst's allocation pressure, let the old generation fill with ~120 MB of
# garbage before a full GC (the status service reached 216-248 MB of RSS with under 50 MB live on Node 20, and
# 354 MB on Node 24, the image's); bounded, every service stayed under 200 MB on both (docs/performance.md, "Memory
# at 10,000 open conversations"). Every component's live set is far under it; override per service with NODE_OPTIONS.
ENV NODE_ENV=production NODE_EXTRA_CA_CERTS=/etc/ssl/certs/switchboard-extra-ca.pem \
    NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8"
WORKDIR /app
COPY --from=build /etc/ssl/certs/switchboard-extra-ca.pem /etc/ssl/certs/switchboard-extra-ca.pem
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages packages
COPY --from=build /app/sandbox sandbox
COPY --from=build /app/services services
USER node
ENTRYPOINT ["node"]
CMD ["services/ingress/dist/main.js"]
