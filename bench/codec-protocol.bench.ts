// Micro bench of the protocol-level codec against the reference `thrift` library's generated read
// of the same struct (AllTypes with every field, as the library itself encodes it), in one run:
// rows are interleaved per round so machine drift hits all alike; the table shows medians and
// the ratio to the library's read.
//
//   node --import tsx bench/codec-protocol.bench.ts [--runs=5] [--ms=300]
import { createRequire } from 'node:module'
import { skipStruct } from '../proxy/codec/walker.js'
import { readStruct, writeStruct } from '../proxy/codec/value-codec.js'
import { canonicalStruct } from '../proxy/codec/canonical.js'
import { extractField } from '../proxy/codec/field-path.js'
import { transcodeStruct } from '../proxy/codec/transcode.js'
import type { Protocol } from '../proxy/codec/types.js'

const arg = (name: string, dflt: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const runs = Number(arg('runs', '5'))
const ms = Number(arg('ms', '300'))

const require = createRequire(import.meta.url)
// Untyped CommonJS: the library and the generated code.
const thrift: any = require('thrift')
const types: any = require('../test/gen/interop_types.js')
const protocolClass: Record<Protocol, any> = { binary: thrift.TBinaryProtocol, compact: thrift.TCompactProtocol }

function allTypes(): unknown {
  const big = thrift.fromBigInt(2n ** 62n + 12345n)
  return new types.AllTypes({
    b: true, i8v: -1, i16v: 300, i32v: 70000, i64v: big, dv: 3.14159, s: 'hello world', bin: Buffer.from([1, 2, 255]),
    color: 2, inner: new types.Inner({ n: 7, label: 'label' }), li: [1, 2, 3, 4, 5, 6, 7, 8], ss: ['a', 'bb', 'ccc'],
    msi: { one: big, two: big }, nested: [[1, 2], [3]], mli: { 1: [new types.Inner({ n: 1 })] }, si64: [big],
    lb: [true, false], mb: { t: true }, opt: 'o', ld: [0.5, 1.5], mbin: { k: new types.Inner({ n: 2 }) }, b2: false, farId: 9,
  })
}

function libEncode(p: Protocol, obj: any): Buffer {
  let out: Buffer | undefined
  const t = new thrift.TBufferedTransport(undefined, (b: Buffer) => (out = b))
  obj.write(new protocolClass[p](t))
  t.flush()
  return out as Buffer
}

/** The library's read over a transport pointed at `buf` (no copy per iteration, to be fair to it). */
function libReader(p: Protocol, buf: Buffer): () => void {
  const t = new thrift.TBufferedTransport()
  const proto = new protocolClass[p](t)
  return () => {
    t.inBuf = buf
    t.readCursor = 0
    t.writeCursor = buf.length
    new types.AllTypes().read(proto)
  }
}

let sink = 0
function opsPerSec(fn: () => unknown): number {
  let n = 0
  const start = process.hrtime.bigint()
  const budget = BigInt(ms) * 1_000_000n
  let elapsed = 0n
  while (elapsed < budget) {
    for (let i = 0; i < 200; i++) {
      if (fn() !== undefined) sink++
    }
    n += 200
    elapsed = process.hrtime.bigint() - start
  }
  return (n * 1e9) / Number(elapsed)
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1] as number
}

interface Case {
  protocol: Protocol
  name: string
  fn: () => unknown
}
const cases: Case[] = []
for (const p of ['binary', 'compact'] as const) {
  const buf = libEncode(p, allTypes())
  const other: Protocol = p === 'binary' ? 'compact' : 'binary'
  const tree = readStruct(buf, 0, p).value
  cases.push(
    { protocol: p, name: 'thrift lib: AllTypes.read (baseline)', fn: libReader(p, buf) },
    { protocol: p, name: 'skipStruct (walker)', fn: () => skipStruct(buf, 0, p) },
    { protocol: p, name: 'extractField [10, 2]', fn: () => extractField(buf, 0, p, [10, 2]) },
    { protocol: p, name: 'readStruct (value tree)', fn: () => readStruct(buf, 0, p) },
    { protocol: p, name: 'writeStruct', fn: () => writeStruct(tree, p) },
    { protocol: p, name: 'canonicalStruct', fn: () => canonicalStruct(buf, 0, p) },
    { protocol: p, name: `transcodeStruct -> ${other}`, fn: () => transcodeStruct(buf, 0, p, other) },
  )
  console.log(`${p}: AllTypes is ${buf.length} bytes`)
}

const results = new Map<Case, number[]>(cases.map((c) => [c, []]))
for (const c of cases) opsPerSec(c.fn) // warm up
for (let r = 0; r < runs; r++) for (const c of cases) results.get(c)?.push(opsPerSec(c.fn))

console.log(`\nmedian of ${runs} runs x ${ms} ms; ratio = ops/s relative to the library's read of the same bytes\n`)
console.log('| protocol | operation | ops/s | ratio vs lib read |')
console.log('|---|---|---:|---:|')
for (const p of ['binary', 'compact'] as const) {
  const base = median(results.get(cases.find((c) => c.protocol === p) as Case) as number[])
  for (const c of cases.filter((x) => x.protocol === p)) {
    const m = median(results.get(c) as number[])
    console.log(`| ${p} | ${c.name} | ${Math.round(m).toLocaleString('en-US')} | ${(m / base).toFixed(2)}x |`)
  }
}
if (sink < 0) console.log(sink)
