// One consistency run: start the topology, warm up (index backfilled), run the clients with the
// nemesis for the given time, let everything recover, read the upstream's log, check.
import { readFileSync } from 'node:fs'
import { sleep } from '../support/net.js'
import { check } from './checker.js'
import { startCluster } from './cluster.js'
import type { AppliedWrite, FaultKind, OpKind } from './model.js'
import { Nemesis } from './nemesis.js'
import type { RunRecord } from './report.js'
import { DEFAULT_WEIGHTS, Workload } from './workload.js'

export interface RunOptions {
  seed: number
  seconds: number
  proxies?: number
  clients?: number
  keys?: number
  /** Cross-proxy staleness allowed without a fault. */
  windowMs?: number
  faults?: readonly FaultKind[]
  gapMs?: readonly [number, number]
  weights?: Readonly<Record<OpKind, number>>
  /** Also cache getUserByEmail in the proxies (default false, as the demo config). */
  cacheLookups?: boolean
  /** Progress lines (stderr in the bench). */
  progress?: (line: string) => void
}

/** getUser ttl in the proxies' config: the documented bound on staleness during a Redis outage. */
export const TTL_S = 30
/** After a Redis fault ends, sidecars are still reconnecting, re-subscribing and replaying for about this long. */
export const REDIS_SETTLE_MS = 3000

export async function runConsistency(o: RunOptions): Promise<RunRecord> {
  const proxies = o.proxies ?? 3
  const clients = o.clients ?? 12
  const keys = o.keys ?? 8
  const windowMs = o.windowMs ?? 1000
  const say = o.progress ?? (() => {})
  const cluster = await startCluster({ proxies, keys, ttl: `${TTL_S}s`, cacheLookups: o.cacheLookups ?? false })
  try {
    say(`cluster up: redis ${cluster.redis.port}, upstream ${cluster.upstreamPort}, proxies ${cluster.proxyPorts.join(', ')}`)
    say(`index authoritative on every proxy: ${await cluster.waitAuthoritative(15_000)}`)
    const workload = new Workload({
      seed: o.seed,
      clients,
      keys,
      proxyPorts: cluster.proxyPorts,
      callTimeoutMs: 4000,
      emailVariants: 3,
      weights: o.weights ?? DEFAULT_WEIGHTS,
    })
    const nemesis = new Nemesis(cluster, { seed: o.seed, gapMs: o.gapMs ?? [1500, 4000], kinds: o.faults ?? ['kill', 'pause', 'latency'] })
    workload.start()
    if ((o.faults ?? ['kill']).length > 0) nemesis.start()
    const end = Date.now() + o.seconds * 1000
    while (Date.now() < end) {
      await sleep(Math.min(5000, end - Date.now()))
      say(`${workload.history.length} operations, ${nemesis.faults.length} faults`)
    }
    await nemesis.stop()
    await workload.stop()
    const log = readFileSync(cluster.logFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as AppliedWrite]
        } catch {
          return [] // torn by kill -9 before the reply: never applied (the upstream skips it too)
        }
      })
    const result = check(workload.history, log, nemesis.faults, { keys, windowMs, ttlMs: TTL_S * 1000, redisSettleMs: REDIS_SETTLE_MS })
    return { seed: o.seed, seconds: o.seconds, proxies, clients, keys, history: workload.history, log, faults: nemesis.faults, result, windowMs, probes: workload.probes }
  } finally {
    await cluster.stop()
  }
}
