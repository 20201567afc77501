# gatewright's image: the operator (`run`) and the CLI (`validate`, `render`, ...) in one, ENTRYPOINT the CLI:
#   docker run --rm -v "$PWD:/w" IMAGE validate -f /w/policies
# On the internet it builds on the Node 24 LTS image pinned by digest below. `make image` builds the same file on a
# local base assembled from Debian packages and the npm registry's Node (hack/node/base-image.sh):
#   docker build --build-arg NODE_IMAGE=gatewright-base:node-24.18.0 .
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No dependency needs an install script to work (the compiler is tsc; swc is only used by the tests). A build
# behind a TLS-intercepting proxy passes its CA as the optional secret `npm-ca` (never part of a layer).
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=npm-ca \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi \
 && npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY templates ./templates
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
 && node dist/api/build-validators.js \
 && node dist/library/pack.js templates \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY templates ./templates
COPY crds ./crds
# Numeric, so the kubelet can verify runAsNonRoot without an /etc/passwd entry. Nothing is written at run time:
# the root filesystem may be read-only.
USER 65532:65532
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["--help"]
