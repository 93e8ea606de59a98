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
ENV NODE_ENV=production NODE_EXTRA_CA_CERTS=/etc/ssl/certs/switchboard-extra-ca.pem
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
