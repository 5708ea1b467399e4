// Bounded fuzzing of the splitter: random and mutated streams, random chunkings, random limits.
// Whatever the input: only CodecErrors, no hang, and never more buffered than the limit allows.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CodecError, MessageSplitter, writeHeaderFrame, type SplitterOptions } from '../../proxy/codec/index.js'
import { prng } from './arbitraries.js'
import { PIPELINE } from './splitter-cases.js'
import { LIB_PROTOCOLS, allTypes, libMessage, structBody } from './transport-fixtures.js'

const MAX_CASES = 20_000
const BUDGET_MS = 8_000

function seeds(): Buffer[] {
  const out: Buffer[] = []
  const specs = [...PIPELINE, { name: 'big', type: 1, seqid: 9, body: structBody(allTypes(4, 2000)) }]
  for (const p of LIB_PROTOCOLS) {
    for (const t of ['framed', 'unframed', 'header'] as const) {
      if (t === 'header' && p === 'binary-nonstrict') continue
      out.push(Buffer.concat(specs.map((s) => libMessage(t, p, s, { headers: { 'X-K': 'v' } }))))
    }
    if (p !== 'binary-nonstrict') {
      const payloads = specs.map((s) => libMessage('unframed', p, s))
      const id = p === 'compact' ? 2 : 0
      out.push(Buffer.concat(payloads.flatMap((pl, i) => writeHeaderFrame({ flags: 1, seqid: i, protocolId: id, transforms: [1], info: [] }, [pl]))))
    }
  }
  return out
}

const EXTREMES = [0, 1, 0x7fffffff, -0x80000000, -1, 0x3fffffff, 0x0fff0000]

function mutate(src: Buffer, rnd: () => number): Buffer {
  const int = (n: number): number => Math.floor(rnd() * n)
  let b = Buffer.from(src)
  const rounds = 1 + int(4)
  for (let r = 0; r < rounds; r++) {
    switch (int(7)) {
      case 0: // flip bytes
        for (let i = 0, n = 1 + int(4); i < n && b.length > 0; i++) b[int(b.length)] = int(256)
        break
      case 1: // truncate
        b = b.subarray(0, int(b.length + 1))
        break
      case 2: // delete a run
        if (b.length > 0) {
          const at = int(b.length)
          b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(16))])
        }
        break
      case 3: // insert random bytes
        {
          const at = int(b.length + 1)
          const junk = Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256)))
          b = Buffer.concat([b.subarray(0, at), junk, b.subarray(at)])
        }
        break
      case 4: // an extreme i32 somewhere (lengths, sizes)
        if (b.length >= 4) b.writeInt32BE(EXTREMES[int(EXTREMES.length)]!, int(b.length - 3))
        break
      case 5: // duplicate a slice
        {
          const at = int(b.length + 1)
          b = Buffer.concat([b, b.subarray(at, at + int(64))])
        }
        break
      default: // leave as is
    }
  }
  return b
}

function randomStream(rnd: () => number): Buffer {
  return Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)))
}

test('fuzz: random and mutated streams in random chunkings', () => {
  const pool = seeds()
  const started = Date.now()
  let cases = 0
  let messages = 0
  let errors = 0
  for (; cases < MAX_CASES && Date.now() - started < BUDGET_MS; cases++) {
    const seed = 0x5eed + cases
    const rnd = prng(seed)
    const stream = rnd() < 0.15 ? randomStream(rnd) : mutate(pool[Math.floor(rnd() * pool.length)]!, rnd)
    const maxMessageSize = rnd() < 0.5 ? 16_384_000 : 64 + Math.floor(rnd() * 4096)
    const transports = ['auto', 'auto', 'auto', 'framed', 'unframed', 'header'] as const
    const protocols = ['auto', 'auto', 'binary', 'compact'] as const
    const opts: SplitterOptions = {
      transport: transports[Math.floor(rnd() * transports.length)]!,
      protocol: protocols[Math.floor(rnd() * protocols.length)]!,
      limits: { maxMessageSize, maxDepth: 2 + Math.floor(rnd() * 64) },
      verifyBodies: rnd() < 0.3,
    }
    const s = new MessageSplitter(opts)
    let pos = 0
    try {
      while (pos < stream.length) {
        const n = rnd() < 0.3 ? 1 : 1 + Math.floor(rnd() * 512)
        s.push(stream.subarray(pos, pos + n), (m) => {
          messages++
          assert.ok(m.raw.length <= maxMessageSize + 4, `seed ${seed}: message of ${m.raw.length} over the limit`)
          assert.ok(m.bodyOffset <= m.payload.length, `seed ${seed}: body offset past the payload`)
        })
        pos += n
        assert.ok(s.bufferedBytes <= maxMessageSize + 4, `seed ${seed}: ${s.bufferedBytes} bytes buffered`)
      }
    } catch (e) {
      if (!(e instanceof CodecError)) assert.fail(`seed ${seed}: ${String((e as Error)?.stack ?? e)}`)
      errors++
    }
  }
  // not a timing assertion: the budget only bounds how many cases run on a slow machine
  assert.ok(cases > 0 && messages > 0 && errors > 0)
  console.log(`fuzz: ${cases} cases, ${messages} messages, ${errors} codec errors in ${Date.now() - started} ms`)
})
