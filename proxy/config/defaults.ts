// Defaults for every config key not set. config/thriftgate.schema.json carries the same values as
// `default` keywords (test/config/reference.test.ts checks they agree), and docs/config-reference.md
// is generated from the schema.
export const DEFAULTS = {
  listen: '127.0.0.1:9090',
  admin: '127.0.0.1:9464',
  // Mutating admin endpoints reachable from the network without a token are a config error.
  adminWithoutToken: 'refuse',
  transport: 'auto',
  protocol: 'auto',
  timeouts: { connect: '2s', request: '30s' },
  limits: {
    maxConnections: 1024,
    maxInFlightPerConnection: 256,
    // Thrift's reference libraries and Envoy default to a 16,384,000-byte frame.
    maxFrameSize: 16_384_000,
    // TConfiguration's default recursion depth.
    maxDepth: 64,
    // Idle client connections are left open: closing them could surprise clients that do not reconnect.
    idleTimeout: '0s',
    maxBufferedBytes: '8MiB',
    // Sums over all connections: per-connection limits times maxConnections is more than a process holds.
    maxInFlightTotal: 65_536,
    maxBufferedBytesTotal: '256MiB',
    // Slowloris: a started message must complete, and replies must be read, within these.
    messageTimeout: '30s',
    slowClientTimeout: '30s',
  },
  drain: { deadline: '20s' },
  log: { level: 'info' },
  // A pooled connection is not held long: servers that serve one connection at a time starve behind it.
  pool: { size: 4, maxQueue: 1024, idleTimeout: '2s' },
  cache: {
    memory: { maxBytes: '64MiB' },
    redis: {
      keyPrefix: 'tg:',
      tls: { rejectUnauthorized: true },
      timeout: '50ms',
      // The longest upstream fetch whose fill is still stored; longer fetches are answered, not cached.
      lease: '5s',
      leaseWait: '100ms',
      connectWait: '2s',
      breaker: { failures: 3, cooldown: '500ms' },
    },
  },
  idl: [],
  // Applied by proxy/index when the config leaves them out (the test compares them with its own).
  index: { autoBackfill: false, maxRangeScan: 100_000, fetchConcurrency: 16, writeBufferSize: '16MiB', slotCache: '4MiB', replication: { stream: 'thriftgate:index', maxLen: 1_000_000 } },
  // Keys inside services.<Service>, by section (the map levels <method>, <Struct>, <name> left out).
  services: {
    reads: { grace: '0s', negativeTtl: '0s', negative: [], vary: [] },
    entities: { indexes: { unique: false }, lookups: { order: 'key' } },
  },
} as const
