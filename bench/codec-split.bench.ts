// Micro bench of message splitting, in one run, side by side:
//  A. our MessageSplitter (split + envelope read; the body is skipped, never decoded) against the
//     reference `thrift` library's connection read path (its transport receiver, then a full decode
//     of each message with the generated code), on the same bytes fed in the same 64 KiB chunks:
//     small calls (~100 bytes), 4 KB structs, 1 MB binaries; framed and unframed.
//  B. unframed splitting of one message arriving in 1 KB chunks, at several message sizes, for a
//     1 MB-style binary field and for a list of many small i32s (the worst case for a walker):
//     time per MB must stay flat as the message grows (linear, not quadratic).
//  C. the list case at small sizes for ours and the library's unframed receive path side by side.
// Rows are interleaved per round so machine drift hits all alike; the tables show medians.
//
//   node --import tsx bench/codec-split.bench.ts [--runs=5] [--ms=400]
import { createRequire } from 'node:module'
import { MessageSplitter } from '../proxy/codec/index.js'

const arg = (name: string, dflt: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const runs = Number(arg('runs', '5'))
const ms = Number(arg('ms', '400'))

const require = createRequire(import.meta.url)
// Untyped CommonJS: the library and the generated code.
const thrift: any = require('thrift')
const types: any = require('../test/gen/interop_types.js')

type Transport = 'framed' | 'unframed'

/** One message as the library writes it (strict binary). */
function libMessage(t: Transport, name: string, seqid: number, body: any): Buffer {
  let out: Buffer | undefined
  const T = t === 'framed' ? thrift.TFramedTransport : thrift.TBufferedTransport
  const trans = new T(undefined, (b: Buffer) => (out = Buffer.from(b)))
  const p = new thrift.TBinaryProtocol(trans)
  p.writeMessageBegin(name, 1, seqid)
  body.write(p)
  p.writeMessageEnd()
  trans.flush()
  return out as Buffer
}

function allTypes(binSize: number): any {
  return new types.AllTypes({
    b: true, i8v: 1, i16v: 300, i32v: 70000, i64v: new (require('node-int64'))(12345), dv: 3.5, s: 'hello',
    bin: Buffer.alloc(binSize, 7), color: 2, inner: new types.Inner({ n: 7, label: 'label' }), li: [1, 2, 3],
    ss: ['a', 'bb'], msi: {}, nested: [[1]], mli: {}, si64: [], lb: [true], mb: {}, ld: [0.5], mbin: {}, b2: false, farId: 9,
  })
}

const shapes = [
  { label: 'small call', Body: types.Inner, make: () => new types.Inner({ n: 42, label: 'a label of some forty-odd bytes, typical' }), count: 2000 },
  { label: '4 KB struct', Body: types.AllTypes, make: () => allTypes(3800), count: 200 },
  { label: '1 MB binary', Body: types.AllTypes, make: () => allTypes(1 << 20), count: 2 },
]

function chunks(stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < stream.length; i += size) out.push(stream.subarray(i, i + size))
  return out
}

/** Our splitter over the chunks: returns the number of messages (envelopes read, bodies skipped). */
function ours(cs: Buffer[]): () => number {
  return () => {
    const s = new MessageSplitter({ transport: 'auto' })
    let n = 0
    for (const c of cs) s.push(c, (m) => (n += m.seqid >= 0 ? 1 : 0))
    return n
  }
}

/** The library's connection read path (connection.js): receiver, then decode with rollback on underrun. */
function library(t: Transport, Body: any, cs: Buffer[]): () => number {
  const T = t === 'framed' ? thrift.TFramedTransport : thrift.TBufferedTransport
  return () => {
    let n = 0
    const feed = T.receiver((trans: any) => {
      const p = new thrift.TBinaryProtocol(trans)
      try {
        for (;;) {
          const h = p.readMessageBegin()
          new Body().read(p)
          p.readMessageEnd()
          trans.commitPosition()
          if (h.rseqid >= 0) n++
        }
      } catch (e) {
        if (e instanceof thrift.InputBufferUnderrunError) trans.rollbackPosition()
        else throw e
      }
    })
    for (const c of cs) feed(c)
    return n
  }
}

let sink = 0
function timeIt(fn: () => number): number {
  // returns ms per call
  let n = 0
  const start = process.hrtime.bigint()
  const budget = BigInt(ms) * 1_000_000n
  let elapsed = 0n
  do {
    sink += fn()
    n++
    elapsed = process.hrtime.bigint() - start
  } while (elapsed < budget)
  return Number(elapsed) / 1e6 / n
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number

// ---- A. ours vs the library's full decode
interface Row { label: string; t: Transport; bytes: number; count: number; ours: () => number; lib: () => number }
const rows: Row[] = []
for (const s of shapes) {
  for (const t of ['framed', 'unframed'] as const) {
    const msgs = Array.from({ length: s.count }, (_, i) => libMessage(t, 'echo', i, s.make()))
    const stream = Buffer.concat(msgs)
    const cs = chunks(stream, 65536)
    const check = [ours(cs)(), library(t, s.Body, cs)()]
    if (check[0] !== s.count || check[1] !== s.count) throw new Error(`${s.label} ${t}: counted ${check.join('/')}`)
    rows.push({ label: s.label, t, bytes: msgs[0]!.length, count: s.count, ours: ours(cs), lib: library(t, s.Body, cs) })
  }
}
const resA = new Map<Row, { ours: number[]; lib: number[] }>(rows.map((r) => [r, { ours: [], lib: [] }]))
for (const r of rows) (timeIt(r.ours), timeIt(r.lib)) // warm up
for (let i = 0; i < runs; i++) {
  for (const r of rows) {
    resA.get(r)!.ours.push(timeIt(r.ours))
    resA.get(r)!.lib.push(timeIt(r.lib))
  }
}
console.log(`\nA. split + envelope (ours) vs the library's receive + full decode; 64 KiB chunks; median of ${runs} x ${ms} ms\n`)
console.log('| messages | transport | bytes each | ours: msgs/s | library: msgs/s | ours / library |')
console.log('|---|---|---:|---:|---:|---:|')
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')
for (const r of rows) {
  const o = (r.count * 1000) / median(resA.get(r)!.ours)
  const l = (r.count * 1000) / median(resA.get(r)!.lib)
  console.log(`| ${r.label} | ${r.t} | ${fmt(r.bytes)} | ${fmt(o)} | ${fmt(l)} | ${(o / l).toFixed(1)}x |`)
}

// ---- B. unframed, one message in 1 KB chunks, growing sizes
function listMessage(bytes: number): Buffer {
  // list<i32> field (AllTypes.li): 4 bytes per element in binary
  const v = allTypes(0)
  v.li = Array.from({ length: Math.floor(bytes / 4) }, (_, i) => i)
  return libMessage('unframed', 'echo', 1, v)
}
const sizes = [256 << 10, 1 << 20, 4 << 20]
const bRows = sizes.flatMap((size) => [
  { kind: 'binary field', size, cs: chunks(libMessage('unframed', 'echo', 1, allTypes(size)), 1024) },
  { kind: 'list<i32>', size, cs: chunks(listMessage(size), 1024) },
])
const resB = new Map(bRows.map((r) => [r, [] as number[]]))
for (const r of bRows) timeIt(ours(r.cs))
for (let i = 0; i < runs; i++) for (const r of bRows) resB.get(r)!.push(timeIt(ours(r.cs)))
console.log(`\nB. ours, unframed, one message arriving in 1 KiB chunks; median of ${runs} x ${ms} ms\n`)
console.log('| message | size | chunks | ms per message | ms per MiB |')
console.log('|---|---:|---:|---:|---:|')
for (const r of bRows) {
  const m = median(resB.get(r)!)
  const mib = r.cs.reduce((a, c) => a + c.length, 0) / (1 << 20)
  console.log(`| ${r.kind} | ${fmt(r.size / 1024)} KiB | ${fmt(r.cs.length)} | ${m.toFixed(2)} | ${(m / mib).toFixed(2)} |`)
}

// ---- C. the same growth for the library's unframed receive path (it re-reads from the message
// start whenever a chunk arrives without completing it), kept to small sizes: it is quadratic
const cSizes = [64 << 10, 128 << 10, 256 << 10]
const cRows = cSizes.map((size) => {
  const cs = chunks(listMessage(size), 1024)
  return { size, cs, ours: ours(cs), lib: library('unframed', types.AllTypes, cs) }
})
const resC = new Map(cRows.map((r) => [r, { ours: [] as number[], lib: [] as number[] }]))
for (let i = 0; i < runs; i++) {
  for (const r of cRows) {
    resC.get(r)!.ours.push(timeIt(r.ours))
    resC.get(r)!.lib.push(timeIt(r.lib))
  }
}
console.log(`\nC. list<i32>, unframed, one message in 1 KiB chunks: ours vs the library's receive + decode; median of ${runs}\n`)
console.log('| size | ours: ms per MiB | library: ms per MiB | library / ours |')
console.log('|---:|---:|---:|---:|')
for (const r of cRows) {
  const mib = r.cs.reduce((a, c) => a + c.length, 0) / (1 << 20)
  const o = median(resC.get(r)!.ours) / mib
  const l = median(resC.get(r)!.lib) / mib
  console.log(`| ${fmt(r.size / 1024)} KiB | ${o.toFixed(2)} | ${l.toFixed(2)} | ${(l / o).toFixed(1)}x |`)
}
if (sink < 0) console.log(sink)
