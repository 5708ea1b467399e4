// Micro bench of the read cache's hot path, in process: onCall for an in-process hit (key build,
// Map lookup, reply with the caller's seqid) beside the codec work every forwarded call costs
// anyway (splitting the message) and beside key building alone; and the same hit in a tier of
// 100,000 entries looked up with zipf-drawn ids (the end-to-end bench's key set). Ratios within one run.
//
//   node --import tsx bench/cache-hit.bench.ts [--ms=500] [--runs=5]
import { performance } from 'node:perf_hooks'
import { MessageSplitter, canonicalStruct, rewriteSeqid, type Message } from '../proxy/codec/index.js'
import { CacheMetrics } from '../proxy/cache/metrics.js'
import { LocalTier } from '../proxy/cache/local-tier.js'
import { ReadCache } from '../proxy/cache/read-cache.js'
import { buildRules } from '../proxy/cache/rules.js'
import { CacheTiers } from '../proxy/cache/tiers.js'
import { keyForCall } from '../proxy/cache/keys.js'
import type { ServiceConfig } from '../proxy/config/index.js'

const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const ms = Number(arg('ms', '500'))
const runs = Number(arg('runs', '5'))

function getUserCall(seqid: number, id: bigint, protocol: 'binary' | 'compact'): Buffer {
  if (protocol === 'binary') {
    const b = Buffer.allocUnsafe(35)
    b.writeInt32BE(31, 0)
    b.writeUInt32BE(0x80010001, 4)
    b.writeInt32BE(7, 8)
    b.write('getUser', 12, 'latin1')
    b.writeInt32BE(seqid, 19)
    b.writeUInt8(10, 23)
    b.writeInt16BE(1, 24)
    b.writeBigInt64BE(id, 26)
    b.writeUInt8(0, 34)
    return b
  }
  // compact: 0x82, 0x21 (CALL, version 1), varint seqid, varint name length, name, field 1 i64 (0x16), zigzag varint, STOP
  const zz = (id << 1n) ^ (id >> 63n)
  const v: number[] = []
  let x = zz
  do {
    let byte = Number(x & 0x7fn)
    x >>= 7n
    if (x !== 0n) byte |= 0x80
    v.push(byte)
  } while (x !== 0n)
  const body = Buffer.from([0x82, 0x21, seqid, 7, ...Buffer.from('getUser'), 0x16, ...v, 0])
  const f = Buffer.allocUnsafe(4 + body.length)
  f.writeInt32BE(body.length, 0)
  body.copy(f, 4)
  return f
}

function parse(bytes: Buffer): Message {
  let out: Message | undefined
  new MessageSplitter().push(bytes, (m) => (out = m))
  if (out === undefined) throw new Error('no message')
  return out
}

const read = { method: 'getUser', ttlMs: 3_600_000, graceMs: 0, keepMs: 3_600_000, negativeTtlMs: 0, negative: [], vary: [] }
const services = new Map<string, ServiceConfig>([['UserService', { name: 'UserService', timeoutsMs: new Map(), oneway: new Set(), reads: new Map([['getUser', read]]), writes: new Map(), entities: new Map() } as unknown as ServiceConfig]])
const rules = buildRules(services, undefined)
const tiers = new CacheTiers(rules, new CacheMetrics(), new LocalTier({ maxBytes: 64 << 20, maxFillAgeMs: 30_000 }))
const cache = new ReadCache(tiers)
const rule = rules.reads.get('getUser')!
const result = Buffer.from([0x0c, 0, 0, 0x0a, 0, 1, 0, 0, 0, 0, 0, 0, 0, 42, 0x0b, 0, 2, 0, 0, 0, 4, 0x41, 0x64, 0x61, 0x21, 0, 0]) // {0: User{1: 42, 2: "Ada!"}}
for (const p of ['binary', 'compact'] as const) {
  const m = parse(getUserCall(1, 42n, p))
  const key = keyForCall(rule, m)
  const now = Date.now()
  tiers.local!.fill(key.local, rule.slot, tiers.local!.token(rule.slot), { kind: 'value', storedAt: now, freshUntil: now + 3_600_000, graceUntil: now + 3_600_000, keepUntil: now + 3_600_000, result })
}

// A tier holding 100,000 entries (the end-to-end bench's key set), hit with zipf(1.0)-drawn ids:
// what a hit costs when the lookup is one of many (cache misses in the CPU's caches, a big Map).
const MANY = 100_000
const manyTiers = new CacheTiers(rules, new CacheMetrics(), new LocalTier({ maxBytes: 256 << 20, maxFillAgeMs: 30_000 }))
const manyCache = new ReadCache(manyTiers)
for (let id = 1; id <= MANY; id++) {
  const key = keyForCall(rule, parse(getUserCall(1, BigInt(id), 'binary')))
  const now = Date.now()
  manyTiers.local!.fill(key.local, rule.slot, manyTiers.local!.token(rule.slot), { kind: 'value', storedAt: now, freshUntil: now + 3_600_000, graceUntil: now + 3_600_000, keepUntil: now + 3_600_000, result: Buffer.from(result) })
}
const zipfCalls: Message[] = []
{
  let h = 0
  for (let k = 1; k <= MANY; k++) h += 1 / k
  let x = 0x9e3779b9
  for (let i = 0; i < 1 << 16; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    // inverse CDF by the harmonic approximation: rank ~ exp(u * H) (close enough for a cost probe)
    const rank = Math.min(MANY, Math.max(1, Math.floor(Math.exp(((x >>> 0) / 2 ** 32) * h))))
    zipfCalls.push(parse(getUserCall(7, BigInt(1 + ((rank * 7919) % MANY)), 'binary')))
  }
}
let zipfAt = 0

const cases: Array<[string, () => void]> = []
for (const p of ['binary', 'compact'] as const) {
  const raw = getUserCall(7, 42n, p)
  const m = parse(raw)
  const splitter = new MessageSplitter()
  cases.push([`${p}: split the call (every forwarded call pays this)`, () => splitter.push(raw, () => undefined)])
  cases.push([`${p}: split + rewriteSeqid (a pooled call)`, () => splitter.push(raw, (x) => rewriteSeqid(x, 9))])
  cases.push([`${p}: canonicalStruct of the args`, () => canonicalStruct(m.payload, m.bodyOffset, p)])
  cases.push([`${p}: keyForCall`, () => keyForCall(rule, m)])
  cases.push([`${p}: onCall, in-process hit (key + lookup + reply)`, () => {
    const r = cache.onCall({ message: m, connectionId: 1 })
    if (!Array.isArray(r)) throw new Error('not a hit')
  }])
  if (p === 'binary') {
    cases.push([`${p}: onCall, in-process hit among ${MANY.toLocaleString('en-US')} entries (zipf ids)`, () => {
      const r = manyCache.onCall({ message: zipfCalls[zipfAt++ & 0xffff] as Message, connectionId: 1 })
      if (!Array.isArray(r)) throw new Error('not a hit')
    }])
  }
}

const results = new Map<string, number[]>(cases.map(([n]) => [n, []]))
for (let r = 0; r < runs; r++) {
  for (const [name, f] of cases) {
    let n = 0
    const t0 = performance.now()
    let t = t0
    while (t - t0 < ms) {
      for (let i = 0; i < 1000; i++) f()
      n += 1000
      t = performance.now()
    }
    results.get(name)!.push(n / ((t - t0) / 1000))
  }
}
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number
console.log(`\nmedian of ${runs} runs x ${ms} ms\n`)
console.log('| operation | ops/s | µs/op | vs split |')
console.log('|---|---:|---:|---:|')
for (const p of ['binary', 'compact']) {
  const base = med(results.get(`${p}: split the call (every forwarded call pays this)`)!)
  for (const [name] of cases.filter(([n]) => n.startsWith(p))) {
    const ops = med(results.get(name)!)
    console.log(`| ${name} | ${Math.round(ops).toLocaleString('en-US')} | ${(1e6 / ops).toFixed(2)} | ${(ops / base).toFixed(2)}x |`)
  }
}
console.log(`\nhits: ${(tiers.metrics.hitsMemory + manyTiers.metrics.hitsMemory).toLocaleString('en-US')} (every onCall above was an in-process hit)`)
