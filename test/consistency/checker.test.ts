// The checker on hand-made histories: it must flag every kind of anomaly it claims to, and accept
// the histories the documented guarantees allow.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { check, type CheckOptions } from './checker.js'
import { emailFor, type AppliedWrite, type Fault, type Op, type SeenUser } from './model.js'

const OPTS: CheckOptions = { keys: 2, windowMs: 100, ttlMs: 30_000, redisSettleMs: 1000 }

const seed: AppliedWrite[] = [
  { seq: 1, t: 0, op: 'put', id: 1, name: 'seed-1', email: emailFor(1, 0), age: 21 },
  { seq: 2, t: 0, op: 'put', id: 2, name: 'seed-2', email: emailFor(2, 0), age: 22 },
]
const user = (id: number, name: string, age: number, variant = 0): SeenUser => ({ id, name, email: emailFor(id, variant), age })

let n = 0
function op(p: Partial<Op> & Pick<Op, 'op' | 'inv' | 'comp'>): Op {
  return { i: n++, process: 0, proxy: 0, outcome: 'ok', ...p }
}
function put(id: number, name: string, age: number, inv: number, comp: number, extra: Partial<Op> = {}): Op {
  return op({ op: 'put', id, writeId: name, email: emailFor(id, 0), age, inv, comp, value: user(id, name, age), ...extra })
}
function run(history: Op[], log: AppliedWrite[], faults: Fault[] = []): ReturnType<typeof check> {
  history.forEach((o, i) => (o.i = i))
  return check(history, [...seed, ...log], faults, OPTS)
}
const kinds = (r: ReturnType<typeof check>): string[] => r.anomalies.map((a) => a.kind)

test('a clean history has no anomalies', () => {
  const r = run(
    [put(1, 'w1', 25, 10, 20), op({ op: 'get', id: 1, inv: 21, comp: 22, value: user(1, 'w1', 25) }), op({ op: 'range', lo: 25, hi: 25, limit: 0, inv: 23, comp: 24, value: [user(1, 'w1', 25)] })],
    [{ seq: 3, t: 15, op: 'put', id: 1, name: 'w1', email: emailFor(1, 0), age: 25 }],
  )
  assert.deepEqual(kinds(r), [])
})

test('lost, duplicated and phantom writes', () => {
  assert.deepEqual(kinds(run([put(1, 'w1', 25, 10, 20)], [])), ['lost-write'])
  const twice: AppliedWrite[] = [3, 4].map((seq) => ({ seq, t: 15, op: 'put', id: 1, name: 'w1', email: emailFor(1, 0), age: 25 }))
  assert.deepEqual(kinds(run([put(1, 'w1', 25, 10, 20, { outcome: 'unknown', value: undefined })], twice)), ['duplicate-write'])
  assert.deepEqual(kinds(run([], [{ seq: 3, t: 15, op: 'put', id: 1, name: 'nobody', email: emailFor(1, 0), age: 25 }])), ['phantom-write'])
  // An unknown outcome may or may not have run.
  assert.deepEqual(kinds(run([put(1, 'w1', 25, 10, 20, { outcome: 'unknown', value: undefined })], [])), [])
})

test('a read older than a write acknowledged through the same proxy is an anomaly', () => {
  const r = run([put(1, 'w1', 25, 10, 20), op({ op: 'get', id: 1, inv: 30, comp: 31, value: user(1, 'seed-1', 21) })], [{ seq: 3, t: 15, op: 'put', id: 1, name: 'w1', email: emailFor(1, 0), age: 25 }])
  assert.deepEqual(kinds(r), ['stale-read-same-proxy'])
})

test('through another proxy: allowed within the window (and measured), an anomaly beyond it unless a fault excuses it', () => {
  const log: AppliedWrite[] = [{ seq: 3, t: 15, op: 'put', id: 1, name: 'w1', email: emailFor(1, 0), age: 25 }]
  const within = run([put(1, 'w1', 25, 10, 20), op({ op: 'get', id: 1, proxy: 1, inv: 50, comp: 51, value: user(1, 'seed-1', 21) })], log)
  assert.deepEqual(kinds(within), [])
  assert.equal(within.crossProxyStale[0]?.lagMs, 30)
  const beyond = run([put(1, 'w1', 25, 10, 20), op({ op: 'get', id: 1, proxy: 1, inv: 500, comp: 501, value: user(1, 'seed-1', 21) })], log)
  assert.deepEqual(kinds(beyond), ['stale-read-other-proxy'])
  const outage = run([put(1, 'w1', 25, 10, 20), op({ op: 'get', id: 1, proxy: 1, inv: 500, comp: 501, value: user(1, 'seed-1', 21) })], log, [{ kind: 'kill', target: 'redis', start: 5, end: 300 }])
  assert.deepEqual(kinds(outage), [])
  assert.equal(outage.crossProxyStale[0]?.allowance, 'redis-outage')
})

test('a value from the future, or never written, is impossible', () => {
  const log: AppliedWrite[] = [{ seq: 3, t: 40, op: 'put', id: 1, name: 'w1', email: emailFor(1, 0), age: 25 }]
  assert.deepEqual(kinds(run([put(1, 'w1', 25, 10, 50), op({ op: 'get', id: 1, proxy: 1, inv: 20, comp: 30, value: user(1, 'w1', 25) })], log)), ['impossible-read'])
  assert.deepEqual(kinds(run([op({ op: 'get', id: 1, inv: 20, comp: 30, value: user(1, 'made-up', 25) })], [])), ['impossible-read'])
})

test('ranges: an entity left out that the upstream would return, a wrong order, too many results', () => {
  const log: AppliedWrite[] = [{ seq: 3, t: 15, op: 'put', id: 1, name: 'w1', email: emailFor(1, 0), age: 25 }]
  const w = put(1, 'w1', 25, 10, 20)
  assert.deepEqual(kinds(run([w, op({ op: 'range', lo: 25, hi: 25, limit: 0, inv: 30, comp: 31, value: [] })], log)), ['stale-read-same-proxy'])
  const both = [user(2, 'seed-2', 22), user(1, 'seed-1', 21)]
  assert.deepEqual(kinds(run([op({ op: 'range', lo: 20, hi: 29, limit: 0, inv: 30, comp: 31, value: both })], [])), ['bad-range'])
  assert.deepEqual(kinds(run([op({ op: 'range', lo: 20, hi: 29, limit: 1, inv: 30, comp: 31, value: [...both].reverse() })], [])), ['bad-range'])
  // A full page leaves the keys after its last one free.
  assert.deepEqual(kinds(run([op({ op: 'range', lo: 20, hi: 29, limit: 1, inv: 30, comp: 31, value: [user(1, 'seed-1', 21)] })], [])), [])
})

test('point lookups: NotFound while the email is the current one is stale; a deleted user is absent', () => {
  const log: AppliedWrite[] = [{ seq: 3, t: 15, op: 'delete', id: 1, found: true }]
  const del = op({ op: 'delete', id: 1, inv: 10, comp: 20 })
  assert.deepEqual(kinds(run([del, op({ op: 'byEmail', email: emailFor(1, 0), inv: 30, comp: 31, value: user(1, 'seed-1', 21) })], log)), ['stale-read-same-proxy'])
  assert.deepEqual(kinds(run([op({ op: 'byEmail', email: emailFor(2, 0), inv: 30, comp: 31, outcome: 'notFound' })], [])), ['impossible-read'])
  assert.deepEqual(kinds(run([op({ op: 'delete', id: 1, inv: 10, comp: 20 }), op({ op: 'get', id: 1, inv: 30, comp: 31, outcome: 'notFound' })], log)), [])
})

test('deletes: acknowledged ≤ applied ≤ acknowledged + unsure', () => {
  const log: AppliedWrite[] = [{ seq: 3, t: 15, op: 'delete', id: 1, found: true }]
  assert.deepEqual(kinds(run([], log)), ['delete-count'])
  assert.deepEqual(kinds(run([op({ op: 'delete', id: 1, inv: 10, comp: 20, outcome: 'unknown' })], log)), [])
  assert.deepEqual(kinds(run([op({ op: 'delete', id: 1, inv: 10, comp: 20 })], [])).sort(), ['delete-count', 'lost-write'])
})
