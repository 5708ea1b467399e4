// Bounded fuzzing of everything that reads protocol bytes: random and mutated inputs may only
// ever produce a CodecError (never another exception, a hang or a huge allocation), and the
// walker and the decoder must agree on every input: the same end, or the same error code.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readEnvelope, tryReadEnvelope } from '../../proxy/codec/envelope.js'
import { skipStruct } from '../../proxy/codec/walker.js'
import { readStruct, writeStruct } from '../../proxy/codec/value-codec.js'
import { canonicalStruct, canonicalValue } from '../../proxy/codec/canonical.js'
import { extractField } from '../../proxy/codec/field-path.js'
import { transcodeStruct } from '../../proxy/codec/transcode.js'
import { writeEnvelope } from '../../proxy/codec/envelope.js'
import { CodecError, CodecErrorCode } from '../../proxy/codec/errors.js'
import { MessageType, type Protocol } from '../../proxy/codec/types.js'
import { arbStruct, prng } from './arbitraries.js'

const MAX_CASES = 20_000
const MAX_MS = 8_000

type Outcome = { end: number } | { code: string }

function outcome(fn: () => number): Outcome {
  try {
    return { end: fn() }
  } catch (e) {
    if (!(e instanceof CodecError)) throw new Error(`non-CodecError escaped: ${String(e)}`, { cause: e })
    return { code: e.code }
  }
}

function mutate(src: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(src)
  const n = 1 + Math.floor(rnd() * 4)
  let out = b
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rnd() * Math.max(out.length, 1))
    switch (Math.floor(rnd() * 6)) {
      case 0: // flip a byte
        if (out.length) out[at] = Math.floor(rnd() * 256)
        break
      case 1: // an extreme value where a size or type might be
        if (out.length) out[at] = [0x00, 0x0f, 0x7f, 0x80, 0xff, 0xf0][Math.floor(rnd() * 6)] as number
        break
      case 2: // a huge i32
        if (at + 4 <= out.length) out.writeInt32BE([0x7fffffff, -1, -0x80000000, 0x10000][Math.floor(rnd() * 4)] as number, at)
        break
      case 3: // truncate
        out = out.subarray(0, at)
        break
      case 4: // delete a byte
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)])
        break
      default: // insert a byte
        out = Buffer.concat([out.subarray(0, at), Buffer.from([Math.floor(rnd() * 256)]), out.subarray(at)])
    }
  }
  return out
}

function exercise(buf: Buffer, p: Protocol): void {
  const walked = outcome(() => skipStruct(buf, 0, p))
  const read = outcome(() => readStruct(buf, 0, p).end)
  assert.deepEqual(walked, read, `walker and decoder disagree on ${buf.toString('hex')} (${p})`)
  // Canonical bytes from the wire agree with those of the decoded tree, or fail as the decoder
  // does (INVALID_DATA aside: only it refuses a binary bool byte other than 0/1, and may meet
  // one before the decoder's error further on).
  let canon: Buffer | undefined
  const c = outcome(() => (canon = canonicalStruct(buf, 0, p)).length)
  if ('end' in c) assert.deepEqual(canon, canonicalValue(readStruct(buf, 0, p).value))
  else if (c.code !== CodecErrorCode.INVALID_DATA) assert.deepEqual(c, read)
  // Streaming transcode: the tree's bytes, or the decoder's error.
  const other = p === 'binary' ? 'compact' : 'binary'
  let out: Buffer | undefined
  const t = outcome(() => (out = transcodeStruct(buf, 0, p, other)).length)
  if ('end' in t) assert.deepEqual(out, writeStruct(readStruct(buf, 0, p).value, other))
  else assert.deepEqual(t, read)
  outcome(() => (extractField(buf, 0, p, [1, 2]) === undefined ? 0 : 1))
  outcome(() => readEnvelope(buf, 0, p).bodyOffset)
  outcome(() => tryReadEnvelope(buf, 0, buf.length, p)?.bodyOffset ?? 0)
}

test('fuzz: random and mutated inputs yield only CodecErrors; walker and decoder agree', { timeout: 60_000 }, () => {
  const seeds = fc.sample(arbStruct(3), { numRuns: 150, seed: 42 })
  const corpus: { buf: Buffer; p: Protocol }[] = []
  for (const s of seeds) {
    for (const p of ['binary', 'compact'] as const) {
      const body = writeStruct(s, p)
      corpus.push({ buf: body, p })
      corpus.push({ buf: Buffer.concat([writeEnvelope(p, true, 'Svc:get', MessageType.CALL, 7), body]), p })
    }
  }
  corpus.push({ buf: Buffer.concat([writeEnvelope('binary', false, 'old', MessageType.REPLY, -1), Buffer.from([0])]), p: 'binary' })
  const rnd = prng(0x5eed)
  const started = Date.now()
  let cases = 0
  while (cases < MAX_CASES && Date.now() - started < MAX_MS) {
    const c = corpus[Math.floor(rnd() * corpus.length)] as { buf: Buffer; p: Protocol }
    if (cases % 10 === 0) {
      // Pure noise, in both protocols.
      const noise = Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)))
      exercise(noise, 'binary')
      exercise(noise, 'compact')
    } else {
      exercise(mutate(c.buf, rnd), c.p)
    }
    cases++
  }
  assert.ok(cases >= 1000, `only ${cases} cases ran`)
})
