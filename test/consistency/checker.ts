// The checker: the clients' history against the upstream's own log of applied writes.
//
// (a) Exactly once. Every put carries a unique write id (the user's name field): an acknowledged put
//     is in the log exactly once, applied inside its [invoke, complete] window; a put with an error or
//     unknown outcome at most once; nothing is in the log that no client wrote. Deletes carry no id:
//     per key, acknowledged ≤ applied ≤ acknowledged + unknown.
// (b)+(c) Freshness of every read (getUser, getUserByEmail, listUsersByAge). Each key's history is the
//     log's sequence of states (absent, or a user). A read observed, for each key it constrains, some
//     state; it is legal if a state matching the observation (1) was applied before the read completed
//     and (2) is not older than any write to that key whose acknowledgement completed before the read
//     was invoked. Point and range lookups are checked the same way, key by key: a user returned must
//     be a legal state of its key and match the lookup; a key NOT returned must have a legal state that
//     does not match (absent, another email, an age outside the range; past a full `limit`, keys
//     beyond the last one returned are free). So index answers must be what the upstream could have
//     answered for that key somewhere in the linearization window.
//     Writes acknowledged through the SAME proxy are strict. Writes through OTHER proxies may be
//     missed for the documented windows (docs/caching.md, docs/indexes.md): the pub/sub window for
//     in-process copies (allowed up to windowMs, and measured), a Redis outage (bounded by the ttl),
//     and a reading proxy that was stopped (it hears the invalidation when it runs again).
import { CLOCK_SLACK_MS } from './clock.js'
import { seedWriteId, type AppliedWrite, type Fault, type Op, type SeenUser } from './model.js'

export interface CheckOptions {
  keys: number
  /** Cross-proxy staleness allowed without a fault (the pub/sub and replication window). */
  windowMs: number
  /** getUser ttl: the documented bound on cross-proxy staleness during a Redis outage. */
  ttlMs: number
  /** Time after a Redis fault during which sidecars are still re-subscribing / replaying. */
  redisSettleMs: number
}

export type AnomalyKind =
  | 'lost-write'
  | 'duplicate-write'
  | 'phantom-write'
  | 'write-outside-window'
  | 'wrong-put-reply'
  | 'delete-count'
  | 'impossible-read'
  | 'stale-read-same-proxy'
  | 'stale-read-other-proxy'
  | 'bad-range'

export interface Anomaly {
  kind: AnomalyKind
  message: string
  /** The offending operation (history index), if one. */
  op?: number
  keys: number[]
}

export type Allowance = 'window' | 'redis-outage' | 'reader-paused'

export interface CrossProxyStale {
  op: number
  /** The acknowledged write (through another proxy) that the read missed, the earliest acknowledged. */
  missed: number
  lagMs: number
  allowance: Allowance
  kind: Op['op']
}

export interface CheckResult {
  anomalies: Anomaly[]
  /** Reads that missed a write acknowledged through another proxy, and why that is allowed. */
  crossProxyStale: CrossProxyStale[]
  /** Reads whose state had been superseded upstream (by any applied write) before they were invoked. */
  staleVsUpstream: number
  readsChecked: number
  writesChecked: number
}

interface State {
  seq: number
  t: number
  present: boolean
  name?: string
  email?: string
  age?: number
}

interface Ack {
  seq: number
  comp: number
  proxy: number
  op: number
}

type Predicate = (s: State) => boolean

const matchesUser =
  (u: SeenUser): Predicate =>
  (s) =>
    s.present && s.name === u.name && s.email === u.email && s.age === u.age

export function keyOfEmail(email: string): number | undefined {
  const m = /^u(\d+)\.v\d+@example\.com$/.exec(email)
  return m === null ? undefined : Number(m[1])
}

export function check(history: readonly Op[], log: readonly AppliedWrite[], faults: readonly Fault[], opts: CheckOptions): CheckResult {
  const anomalies: Anomaly[] = []
  const states = new Map<number, State[]>()
  for (let k = 1; k <= opts.keys; k++) states.set(k, [{ seq: 0, t: -Infinity, present: false }])
  const byName = new Map<string, AppliedWrite[]>()
  const deletesByKey = new Map<number, AppliedWrite[]>()
  for (const w of [...log].sort((a, b) => a.seq - b.seq)) {
    const list = states.get(w.id)
    if (list === undefined) {
      anomalies.push({ kind: 'phantom-write', message: `log seq ${w.seq} writes key ${w.id}, outside the key space`, keys: [w.id] })
      continue
    }
    if (w.op === 'put') {
      list.push({ seq: w.seq, t: w.t, present: true, name: w.name ?? '', email: w.email ?? '', age: w.age ?? 0 })
      const same = byName.get(w.name ?? '') ?? []
      same.push(w)
      byName.set(w.name ?? '', same)
    } else {
      list.push({ seq: w.seq, t: w.t, present: false })
      const d = deletesByKey.get(w.id) ?? []
      d.push(w)
      deletesByKey.set(w.id, d)
    }
  }

  // The seed (written by the upstream before any client ran) is where a key's history starts.
  for (const [k, list] of states) if (list[1]?.name === seedWriteId(k)) list.shift()

  // (a) exactly once, and the acknowledged writes' positions in the upstream's order.
  const acks = new Map<number, Ack[]>()
  const addAck = (k: number, a: Ack): void => {
    const l = acks.get(k) ?? []
    l.push(a)
    acks.set(k, l)
  }
  const issued = new Set<string>()
  const deleteOps = new Map<number, { acked: Op[]; unsure: number }>()
  let writesChecked = 0
  for (const op of history) {
    if (op.op === 'put') {
      writesChecked++
      const id = op.id as number
      issued.add(op.writeId as string)
      const applied = byName.get(op.writeId as string) ?? []
      const at = applied[0]
      if (op.outcome === 'ok') {
        if (applied.length === 0) anomalies.push({ kind: 'lost-write', message: `acknowledged putUser ${op.writeId} is not in the upstream's log`, op: op.i, keys: [id] })
        const v = op.value as SeenUser | undefined
        if (v === undefined || v.id !== id || v.name !== op.writeId || v.email !== op.email || v.age !== op.age)
          anomalies.push({ kind: 'wrong-put-reply', message: `putUser ${op.writeId} replied ${JSON.stringify(v)}`, op: op.i, keys: [id] })
        if (at !== undefined) addAck(id, { seq: at.seq, comp: op.comp, proxy: op.proxy, op: op.i })
      }
      if (applied.length > 1) anomalies.push({ kind: 'duplicate-write', message: `putUser ${op.writeId} applied ${applied.length} times (seq ${applied.map((w) => w.seq).join(', ')})`, op: op.i, keys: [id] })
      if (at !== undefined && (at.t < op.inv - CLOCK_SLACK_MS || (op.outcome === 'ok' && at.t > op.comp + CLOCK_SLACK_MS)))
        anomalies.push({ kind: 'write-outside-window', message: `putUser ${op.writeId} applied at ${fmt(at.t)}, outside [${fmt(op.inv)}, ${op.outcome === 'ok' ? fmt(op.comp) : '∞'}]`, op: op.i, keys: [id] })
    } else if (op.op === 'delete') {
      writesChecked++
      const d = deleteOps.get(op.id as number) ?? { acked: [], unsure: 0 }
      if (op.outcome === 'ok' || op.outcome === 'notFound') d.acked.push(op)
      else d.unsure++
      deleteOps.set(op.id as number, d)
    }
  }
  for (const [name, ws] of byName) {
    const seedId = ws[0]?.id ?? 0
    if (!issued.has(name) && name !== seedWriteId(seedId)) anomalies.push({ kind: 'phantom-write', message: `the upstream applied ${name} (seq ${ws.map((w) => w.seq).join(', ')}), which no client wrote`, keys: [seedId] })
  }
  for (let k = 1; k <= opts.keys; k++) {
    const d = deleteOps.get(k) ?? { acked: [], unsure: 0 }
    const applied = deletesByKey.get(k) ?? []
    if (applied.length < d.acked.length || applied.length > d.acked.length + d.unsure)
      anomalies.push({ kind: 'delete-count', message: `key ${k}: ${d.acked.length} acknowledged and ${d.unsure} unsure deleteUser calls, but the upstream applied ${applied.length}`, keys: [k] })
    // An acknowledged delete's position: the earliest applied delete of the key inside its window
    // (earliest is the weakest claim, so it never invents an anomaly), preferring the one whose
    // found flag agrees with the reply.
    for (const op of d.acked) {
      const inWindow = applied.filter((w) => w.t >= op.inv - CLOCK_SLACK_MS && w.t <= op.comp + CLOCK_SLACK_MS)
      const found = op.outcome === 'ok'
      const w = inWindow.find((x) => x.found === found) ?? inWindow[0]
      if (w === undefined) anomalies.push({ kind: 'lost-write', message: `acknowledged deleteUser(${k}) has no delete of key ${k} in its window in the upstream's log`, op: op.i, keys: [k] })
      else addAck(k, { seq: w.seq, comp: op.comp, proxy: op.proxy, op: op.i })
    }
  }

  // (b)+(c) freshness.
  for (const l of acks.values()) l.sort((x, y) => x.comp - y.comp)
  const redisFaults = faults.filter((f) => f.target === 'redis')
  const crossProxyStale: CrossProxyStale[] = []
  let staleVsUpstream = 0
  let readsChecked = 0
  for (const op of history) {
    if (op.op === 'put' || op.op === 'delete' || (op.outcome !== 'ok' && op.outcome !== 'notFound')) continue
    readsChecked++
    const constraints: Array<{ k: number; p: Predicate; what: string }> = []
    if (op.op === 'get') {
      const v = op.value as SeenUser | undefined
      if (op.outcome === 'ok' && v !== undefined && v.id !== op.id) {
        anomalies.push({ kind: 'impossible-read', message: `getUser(${op.id}) returned user ${v.id}`, op: op.i, keys: [op.id as number] })
        continue
      }
      constraints.push(op.outcome === 'ok' && v !== undefined ? { k: op.id as number, p: matchesUser(v), what: v.name } : { k: op.id as number, p: (s) => !s.present, what: 'absent' })
    } else if (op.op === 'byEmail') {
      const email = op.email as string
      const k = keyOfEmail(email) as number
      const v = op.value as SeenUser | undefined
      if (op.outcome === 'ok' && v !== undefined) {
        if (v.id !== k || v.email !== email) {
          anomalies.push({ kind: 'impossible-read', message: `getUserByEmail(${email}) returned ${JSON.stringify(v)}`, op: op.i, keys: [k] })
          continue
        }
        constraints.push({ k, p: matchesUser(v), what: v.name })
      } else constraints.push({ k, p: (s) => !s.present || s.email !== email, what: `no user with ${email}` })
    } else {
      const list = (op.value as SeenUser[] | undefined) ?? []
      const lo = op.lo as number
      const hi = op.hi as number
      const limit = op.limit as number
      const ids = list.map((u) => u.id)
      const sorted = ids.every((id, j) => j === 0 || id > (ids[j - 1] as number))
      if (!sorted || (limit > 0 && list.length > limit) || list.some((u) => u.age < lo || u.age > hi || states.get(u.id) === undefined)) {
        anomalies.push({ kind: 'bad-range', message: `listUsersByAge(${lo}, ${hi}, ${limit}) returned ${JSON.stringify(list)}`, op: op.i, keys: ids })
        continue
      }
      for (const u of list) constraints.push({ k: u.id, p: matchesUser(u), what: u.name })
      const full = limit > 0 && list.length === limit
      const last = ids[ids.length - 1] ?? 0
      for (let k = 1; k <= opts.keys; k++) {
        if (ids.includes(k) || (full && k > last)) continue
        constraints.push({ k, p: (s) => !s.present || (s.age as number) < lo || (s.age as number) > hi, what: `key ${k} not in [${lo}, ${hi}]` })
      }
    }

    let worst: { lag: number; keys: number[]; missed: number } | undefined
    let sameProxy: { message: string; k: number } | undefined
    let impossible: { message: string; k: number } | undefined
    let superseded = false
    for (const c of constraints) {
      // States are in the upstream's order, which is also time order (one monotonic clock): the newest
      // matching state applied before completion is found walking back from the last one applied.
      const list = states.get(c.k) as State[]
      let at = lastBefore(list, op.comp + CLOCK_SLACK_MS, (s) => s.t, true)
      while (at >= 0 && !c.p(list[at] as State)) at--
      if (at < 0) {
        impossible = { k: c.k, message: `key ${c.k}: no state applied before the read completed matches (${c.what})` }
        break
      }
      const newest = (list[at] as State).seq
      const next = list[at + 1]
      if (next !== undefined && next.t < op.inv - CLOCK_SLACK_MS) superseded = true
      // Acknowledged writes newer than that state were applied after it, so acknowledged after it:
      // only the acknowledgements between it and the read's invocation need a look.
      const keyAcks = acks.get(c.k) ?? []
      const since = (list[at] as State).t - CLOCK_SLACK_MS
      const missed: Ack[] = []
      for (let i = lastBefore(keyAcks, op.inv, (a) => a.comp, false); i >= 0 && (keyAcks[i] as Ack).comp >= since; i--) if ((keyAcks[i] as Ack).seq > newest) missed.push(keyAcks[i] as Ack)
      const same = missed.find((a) => a.proxy === op.proxy)
      if (same !== undefined) {
        sameProxy = { k: c.k, message: `key ${c.k}: observed ${c.what} (seq ≤ ${newest}), but op #${same.op} (seq ${same.seq}) was acknowledged through the same proxy ${fmt(op.inv - same.comp)} ms before` }
        break
      }
      if (missed.length > 0) {
        const first = missed.reduce((x, y) => (y.comp < x.comp ? y : x))
        const lag = op.inv - first.comp
        if (worst === undefined || lag > worst.lag) worst = { lag, keys: [c.k], missed: first.op }
      }
    }
    if (superseded) staleVsUpstream++
    if (impossible !== undefined) {
      anomalies.push({ kind: 'impossible-read', message: `${describe(op)}: ${impossible.message}`, op: op.i, keys: [impossible.k] })
      continue
    }
    if (sameProxy !== undefined) {
      anomalies.push({ kind: 'stale-read-same-proxy', message: `${describe(op)}: ${sameProxy.message}`, op: op.i, keys: [sameProxy.k] })
      continue
    }
    if (worst === undefined) continue
    const from = op.inv - worst.lag
    // Faults first: the window measured is then the staleness no fault explains.
    const allowance: Allowance | undefined =
      redisFaults.some((f) => f.start <= op.comp && f.end + opts.redisSettleMs >= from) && worst.lag <= opts.ttlMs
        ? 'redis-outage'
        : faults.some((f) => f.target === `proxy${op.proxy}` && f.kind !== 'kill' && f.start <= op.comp && f.end >= from)
          ? 'reader-paused'
          : worst.lag <= opts.windowMs
            ? 'window'
            : undefined
    if (allowance === undefined) {
      anomalies.push({
        kind: 'stale-read-other-proxy',
        message: `${describe(op)}: missed a write acknowledged through another proxy ${worst.lag.toFixed(1)} ms before it was invoked (window ${opts.windowMs} ms, no fault excuses it)`,
        op: op.i,
        keys: worst.keys,
      })
    } else crossProxyStale.push({ op: op.i, missed: worst.missed, lagMs: worst.lag, allowance, kind: op.op })
  }
  return { anomalies, crossProxyStale, staleVsUpstream, readsChecked, writesChecked }
}

/** The index of the last element whose key is ≤ bound (< bound unless `inclusive`) in xs sorted by key; -1 if none. */
function lastBefore<T>(xs: readonly T[], bound: number, key: (x: T) => number, inclusive: boolean): number {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const k = key(xs[mid] as T)
    if (k < bound || (inclusive && k === bound)) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

export function describe(op: Op): string {
  const args =
    op.op === 'put'
      ? `putUser(${op.id}, ${op.writeId}, ${op.email}, ${op.age})`
      : op.op === 'delete'
        ? `deleteUser(${op.id})`
        : op.op === 'get'
          ? `getUser(${op.id})`
          : op.op === 'byEmail'
            ? `getUserByEmail(${op.email})`
            : `listUsersByAge(${op.lo}, ${op.hi}, ${op.limit})`
  const v = op.value === undefined ? '' : Array.isArray(op.value) ? ` [${op.value.map((u) => `${u.id}:${u.name}:${u.age}`).join(' ')}]` : ` ${op.value.id}:${op.value.name}:${op.value.email}:${op.value.age}`
  return `#${op.i} p${op.process} via proxy${op.proxy} ${args} -> ${op.outcome}${v}${op.error !== undefined ? ` (${op.error})` : ''}`
}

export function fmt(t: number): string {
  return t.toFixed(1)
}
