// Loading a config: file (YAML/JSON) + env + flags -> schema check -> normalised Config, with
// every problem found reported at once in a ConfigError.
import { accessSync, constants, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DEFAULTS } from './defaults.js'
import { ConfigError, IdlError, type ConfigProblem } from './errors.js'
import { loadIdl } from './idl.js'
import type { IdlModel } from './idl-model.js'
import { IdlResolver } from './idl-resolver.js'
import { applyOverrides, envOverrides, type Override } from './overrides.js'
import type { RawConfig } from './raw.js'
import { readConfigFile } from './read-file.js'
import { normaliseService } from './services.js'
import type { Config, LogLevel, RedisConfig, ServiceConfig } from './types.js'
import { formatHostPort, isLoopback, parseDuration, parseHostPort, parseSize, type HostPort } from './units.js'
import { schemaProblems } from './validate.js'

export interface LoadOptions {
  /** The config file; undefined for flags/env alone. */
  readonly file?: string | undefined
  /** Flag values, applied over env. */
  readonly flags?: readonly Override[]
  /** Environment to read THRIFTGATE_* from; default process.env. */
  readonly env?: NodeJS.ProcessEnv
  /** Base directory for relative paths when there is no file; default the working directory. */
  readonly cwd?: string
}

/** Appends "(from --listen)" to problems about values that came from a flag or env var. */
function withOrigin(problems: ConfigProblem[], origins: Map<string, string>): ConfigProblem[] {
  return problems.map((p) => {
    const key = [...origins.keys()].find((k) => p.path === k || p.path.startsWith(`${k}.`) || p.path.startsWith(`${k}[`))
    return key === undefined ? p : { path: p.path, problem: `${p.problem} (from ${origins.get(key) ?? '?'})` }
  })
}

const MIN_WRITE_BUFFER = 64 * 1024
const dur = (text: string | undefined, fallback: string): number => parseDuration(text ?? fallback) ?? 0
const size = (v: number | string | undefined, fallback: number | string): number => parseSize(v ?? fallback) ?? 0
const hp = (text: string | undefined, fallback: string): HostPort => parseHostPort(text ?? fallback) ?? { host: '', port: 0 }

function redisConfig(r: NonNullable<NonNullable<RawConfig['cache']>['redis']>, base: string): RedisConfig {
  const d = DEFAULTS.cache.redis
  const t = r.tls
  const path = (f: string | undefined): string | undefined => (f === undefined ? undefined : resolve(base, f))
  return {
    url: r.url,
    // Present only when set, so a config without them reads as before.
    ...(r.username === undefined ? {} : { username: r.username }),
    ...(r.password === undefined ? {} : { password: r.password }),
    ...(t === undefined
      ? {}
      : { tls: { ca: path(t.ca), cert: path(t.cert), key: path(t.key), servername: t.servername, rejectUnauthorized: t.rejectUnauthorized ?? d.tls.rejectUnauthorized } }),
    keyPrefix: r.keyPrefix ?? d.keyPrefix,
    timeoutMs: dur(r.timeout, d.timeout),
    leaseMs: dur(r.lease, d.lease),
    leaseWaitMs: dur(r.leaseWait, d.leaseWait),
    connectWaitMs: dur(r.connectWait, d.connectWait),
    breaker: { failures: r.breaker?.failures ?? d.breaker.failures, cooldownMs: dur(r.breaker?.cooldown, d.breaker.cooldown) },
  }
}

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const file = opts.file === undefined ? undefined : resolve(opts.cwd ?? process.cwd(), opts.file)
  const fromFile = file === undefined ? {} : readConfigFile(file)
  const overrides = [...envOverrides(opts.env ?? process.env), ...(opts.flags ?? [])]
  const { merged, origins } = applyOverrides(fromFile, overrides)

  const structural = schemaProblems(merged)
  if (structural.length > 0) throw new ConfigError(withOrigin(structural, origins), file)
  const raw = merged as RawConfig
  const problems: ConfigProblem[] = []

  if (raw.upstream === undefined) {
    problems.push({ path: 'upstream', problem: 'is required: the Thrift service to forward to (set it in the file, with --upstream or THRIFTGATE_UPSTREAM)' })
  }
  for (const key of ['listen', 'upstream', 'admin'] as const) {
    const text = raw[key]
    if (text !== undefined && parseHostPort(text) === undefined) problems.push({ path: key, problem: `port out of range in "${text}" (0-65535)` })
  }
  const listen = hp(raw.listen, DEFAULTS.listen)
  const admin = hp(raw.admin, DEFAULTS.admin)
  const upstream = hp(raw.upstream, '127.0.0.1:0')
  // Zero here would not mean "off": every Redis call would time out, Redis would reject a lease
  // with PX 0, and a zero probe interval would spin.
  const redisRaw = raw.cache?.redis
  const mustBePositive: Array<[string, string | undefined, string]> = [
    ['cache.redis.timeout', redisRaw?.timeout, 'every Redis operation would time out'],
    ['cache.redis.lease', redisRaw?.lease, 'a lease must hold for some time'],
    ['cache.redis.breaker.cooldown', redisRaw?.breaker?.cooldown, 'Redis would be probed without pause'],
  ]
  for (const [path, text, why] of mustBePositive) {
    if (text !== undefined && parseDuration(text) === 0) problems.push({ path, problem: `must be more than 0s (${why}); got "${text}"` })
  }
  // Mutating admin endpoints (purge, rebuild) open to the network without a token: refuse unless
  // the operator chose read-only (then they answer 403).
  if (!isLoopback(admin.host) && raw.adminToken === undefined && (raw.adminWithoutToken ?? DEFAULTS.adminWithoutToken) === 'refuse') {
    problems.push({
      path: 'adminToken',
      problem: `admin listens on ${formatHostPort(admin)}, not loopback, and no admin token is set: set adminToken (or THRIFTGATE_ADMIN_TOKEN), bind admin to 127.0.0.1, or set adminWithoutToken: read-only to turn the mutating endpoints off`,
    })
  }
  // RocksDB rejects tiny memtables and flushes after every few writes below this.
  const wbs = raw.index?.writeBufferSize
  if (wbs !== undefined && (parseSize(wbs) ?? 0) < MIN_WRITE_BUFFER) {
    problems.push({ path: 'index.writeBufferSize', problem: `must be at least 64KiB (a smaller memtable would flush after every few writes); got "${wbs}"` })
  }
  if (listen.port !== 0 && listen.port === admin.port && listen.host === admin.host) {
    problems.push({ path: 'admin', problem: `is the same address as listen (${formatHostPort(listen)})` })
  }

  // Paths in the file are relative to the file; paths from flags and env to the working directory.
  const cwd = resolve(opts.cwd ?? process.cwd())
  const baseOf = (key: string): string => (file === undefined || origins.has(key) ? cwd : dirname(file))
  const idlFiles = (raw.idl ?? []).map((f) => resolve(baseOf('idl'), f))
  let model: IdlModel | undefined
  if (idlFiles.length > 0) {
    try {
      model = loadIdl(idlFiles)
    } catch (err) {
      if (!(err instanceof IdlError)) throw err
      problems.push({ path: 'idl', problem: err.message })
    }
  }
  // With an unreadable IDL, name checks would only repeat that one problem: skip them.
  const resolver = new IdlResolver(idlFiles.length > 0 && model === undefined ? undefined : model, problems)
  const services = new Map<string, ServiceConfig>()
  if (!(idlFiles.length > 0 && model === undefined)) {
    for (const [name, svc] of Object.entries(raw.services ?? {})) services.set(name, normaliseService(resolver, name, svc))
  }
  const tls = raw.cache?.redis?.tls
  if (tls !== undefined) {
    for (const key of ['ca', 'cert', 'key'] as const) {
      const f = tls[key]
      if (f !== undefined && !isReadableFile(resolve(baseOf('cache.redis.tls'), f))) problems.push({ path: `cache.redis.tls.${key}`, problem: `cannot read "${f}"` })
    }
    if ((tls.cert === undefined) !== (tls.key === undefined)) problems.push({ path: 'cache.redis.tls', problem: 'cert and key go together (a client certificate needs its private key)' })
  }
  if (problems.length > 0) throw new ConfigError(withOrigin(problems, origins), file)

  const limits = raw.limits ?? {}
  const redis = raw.cache?.redis
  return {
    source: file,
    listen,
    upstream,
    admin,
    adminToken: raw.adminToken,
    adminWithoutToken: raw.adminWithoutToken ?? DEFAULTS.adminWithoutToken,
    transport: raw.transport ?? DEFAULTS.transport,
    protocol: raw.protocol ?? DEFAULTS.protocol,
    timeouts: { connectMs: dur(raw.timeouts?.connect, DEFAULTS.timeouts.connect), requestMs: dur(raw.timeouts?.request, DEFAULTS.timeouts.request) },
    limits: {
      maxConnections: limits.maxConnections ?? DEFAULTS.limits.maxConnections,
      maxInFlightPerConnection: limits.maxInFlightPerConnection ?? DEFAULTS.limits.maxInFlightPerConnection,
      maxFrameSize: size(limits.maxFrameSize, DEFAULTS.limits.maxFrameSize),
      maxDepth: limits.maxDepth ?? DEFAULTS.limits.maxDepth,
      idleTimeoutMs: dur(limits.idleTimeout, DEFAULTS.limits.idleTimeout),
      maxBufferedBytes: size(limits.maxBufferedBytes, DEFAULTS.limits.maxBufferedBytes),
      maxInFlightTotal: limits.maxInFlightTotal ?? DEFAULTS.limits.maxInFlightTotal,
      maxBufferedBytesTotal: size(limits.maxBufferedBytesTotal, DEFAULTS.limits.maxBufferedBytesTotal),
      messageTimeoutMs: dur(limits.messageTimeout, DEFAULTS.limits.messageTimeout),
      slowClientTimeoutMs: dur(limits.slowClientTimeout, DEFAULTS.limits.slowClientTimeout),
    },
    drain: { deadlineMs: dur(raw.drain?.deadline, DEFAULTS.drain.deadline) },
    log: { level: (raw.log?.level ?? DEFAULTS.log.level) as LogLevel },
    idl: { files: idlFiles, model },
    pool: {
      size: raw.pool?.size ?? DEFAULTS.pool.size,
      maxQueue: raw.pool?.maxQueue ?? DEFAULTS.pool.maxQueue,
      idleMs: dur(raw.pool?.idleTimeout, DEFAULTS.pool.idleTimeout),
    },
    cache: {
      memory: { maxBytes: size(raw.cache?.memory?.maxBytes, DEFAULTS.cache.memory.maxBytes) },
      redis: redis === undefined ? undefined : redisConfig(redis, baseOf('cache.redis.tls')),
    },
    index:
      raw.index === undefined
        ? undefined
        : {
            path: resolve(baseOf('index.path'), raw.index.path),
            replication: raw.index.replication === undefined ? undefined : { redis: raw.index.replication.redis, stream: raw.index.replication.stream, maxLen: raw.index.replication.maxLen },
            autoBackfill: raw.index.autoBackfill ?? false,
            maxRangeScan: raw.index.maxRangeScan,
            fetchConcurrency: raw.index.fetchConcurrency,
            writeBufferSize: size(raw.index.writeBufferSize, DEFAULTS.index.writeBufferSize),
            slotCache: size(raw.index.slotCache, DEFAULTS.index.slotCache),
          },
    services,
  }
}
