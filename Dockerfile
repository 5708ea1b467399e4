# syntax=docker/dockerfile:1
# thriftgate container image.
#
#   docker build -t thriftgate:0.1.0 .
#   docker run --rm -p 9190:9190 -p 9464:9464 -v "$PWD/thriftgate.yaml:/etc/thriftgate/thriftgate.yaml:ro" \
#     -e THRIFTGATE_LISTEN=0.0.0.0:9190 -e THRIFTGATE_ADMIN=0.0.0.0:9464 -e THRIFTGATE_ADMIN_TOKEN="$(openssl rand -hex 24)" \
#     thriftgate:0.1.0
#   (admin off loopback needs a token, or THRIFTGATE_ADMIN_WITHOUT_TOKEN=read-only; see SECURITY.md)
#
# Ports:   9190  Thrift (clients connect here; THRIFTGATE_LISTEN, config `listen`)
#          9464  admin HTTP: /metrics, /healthz, /readyz (THRIFTGATE_ADMIN, config `admin`)
#          Both are only defaults: the config file or the env variables decide what is bound.
# Volumes: /etc/thriftgate        the config file (thriftgate.yaml), read-only
#          /var/lib/thriftgate    RocksDB index data (config `index.path`, e.g. /var/lib/thriftgate/index)
#
# Nothing here downloads anything but npm packages (npm ci) and Debian packages (apt-get); the RocksDB
# binding ships prebuilt in its npm package (glibc, x64 and arm64), so no compiler is needed. That is also
# why the base is Debian and not Alpine: the prebuilt binding links against glibc.
# test/k8s/production-install.test.ts runs this file's runtime COPY list, `npm ci --omit=dev` and the
# ENTRYPOINT + CMD below against a real upstream, since the test machines have no container engine.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript with the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY proxy ./proxy
COPY config ./config
RUN npm run build

# ---- deps: production dependencies only, in their own layer ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# libatomic1: the prebuilt rocksdb-native binding links libatomic.so.1, which the slim image lacks
# (libstdc++6 and libgcc-s1, its other needs, come with Node). Only this stage's own layer holds the lists.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libatomic1 \
 && rm -rf /var/lib/apt/lists/*
# MALLOC_ARENA_MAX=2: glibc would keep up to 8 malloc arenas per core for RocksDB's threads; two keep the
# index's native memory tighter (RELIABILITY.md, Soak: ~15 MiB less RSS, slower settling).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
# The demo UserService's generated code (plain JS, not compiled by tsc): `thriftgate demo`, `demo-client`
# and the example app of deploy/k8s/sidecar (node dist/demo/upstream.js) load it from here.
COPY proxy/demo/gen ./proxy/demo/gen
# The `node` user (uid/gid 1000) comes with the base image; the data dir must be writable by it even
# when no volume is mounted, and the config dir is where the ConfigMap is mounted.
RUN mkdir -p /var/lib/thriftgate /etc/thriftgate && chown node:node /var/lib/thriftgate
USER 1000:1000
EXPOSE 9190 9464
VOLUME ["/var/lib/thriftgate"]
# Exec form, no shell in between: `node` is PID 1 and receives SIGTERM itself. `thriftgate serve` installs
# SIGTERM/SIGINT handlers that drain (stop accepting, finish in-flight calls up to drain.deadline, exit 0);
# a PID 1 with a handler gets the signal like any process, and thriftgate starts no child processes that
# would need reaping, so no init shim is needed.
ENTRYPOINT ["node", "bin/thriftgate.js"]
CMD ["serve", "--config", "/etc/thriftgate/thriftgate.yaml"]
