// Shared cases for the splitter tests: pipelined streams as the reference library writes them,
// with the Message summaries a correct splitter must yield, and the three-ways runner.

import assert from 'node:assert/strict'
import { MessageSplitter, type Message, type SplitterOptions } from '../../proxy/codec/index.js'
import {
  allTypes,
  fingerprint,
  libMessage,
  structBody,
  summarize,
  ttypes,
  type LibMessageSpec,
  type LibProtocol,
  type LibTransport,
  type MessageSummary,
} from './transport-fixtures.js'

export const PIPELINE: readonly LibMessageSpec[] = [
  { name: 'Interop:echo', type: 1, seqid: 1, body: structBody(allTypes(1)) },
  { name: 'notify', type: 4, seqid: 2, body: structBody(new ttypes.Inner({ n: 5, label: 'évènement' })) },
  { name: 'Second:hello', type: 1, seqid: -7, body: structBody(allTypes(2)) },
  { name: 'echo', type: 2, seqid: 0x7fffffff, body: structBody(allTypes(3)) },
  { name: 'fail', type: 3, seqid: 5, body: structBody(new ttypes.NotFound({ what: 'x', code: 1 })) },
  { name: 'ping', type: 1, seqid: 6, body: (p) => { p.writeStructBegin('a'); p.writeFieldStop(); p.writeStructEnd() } },
]

function varintLen(v: number): number {
  let n = 1
  for (let x = v >>> 0; x >= 0x80; x >>>= 7) n++
  return n
}

export function bodyOffsetOf(protocol: LibProtocol, name: string, seqid: number): number {
  const n = Buffer.byteLength(name)
  if (protocol === 'binary') return 12 + n
  if (protocol === 'binary-nonstrict') return 9 + n
  return 2 + varintLen(seqid) + varintLen(n) + n
}

export interface Case {
  readonly stream: Buffer
  readonly expected: MessageSummary[]
}

/** Library-written messages in one stream, and what the splitter must yield for each. */
export function libCase(
  transport: LibTransport,
  protocol: LibProtocol,
  specs: readonly LibMessageSpec[] = PIPELINE,
  headers: Readonly<Record<string, string>> = {},
): Case {
  const raws = specs.map((s) => libMessage(transport, protocol, s, { headers }))
  const expected = specs.map((s, i): MessageSummary => {
    const colon = s.name.indexOf(':')
    const muxed = colon >= 0 && (s.type === 1 || s.type === 4)
    const payload = libMessage('unframed', protocol, s)
    return {
      transport,
      protocol: protocol === 'compact' ? 'compact' : 'binary',
      strict: protocol !== 'binary-nonstrict',
      name: s.name,
      service: muxed ? s.name.slice(0, colon) : undefined,
      method: muxed ? s.name.slice(colon + 1) : s.name,
      type: s.type,
      seqid: s.seqid,
      raw: fingerprint(raws[i]!),
      payload: fingerprint(payload),
      bodyOffset: bodyOffsetOf(protocol, s.name, s.seqid),
      header:
        transport === 'header'
          ? JSON.stringify({
              flags: 0,
              seqid: s.seqid,
              protocolId: protocol === 'compact' ? 2 : 0,
              transforms: [],
              info: Object.entries(headers).map(([k, v]) => [Buffer.from(k).toString('hex'), Buffer.from(v).toString('hex')]),
            })
          : undefined,
    }
  })
  return { stream: Buffer.concat(raws), expected }
}

/** Feeds `chunks` to a fresh splitter; returns the messages and checks views stay valid. */
export function split(chunks: Iterable<Buffer>, opts: SplitterOptions = {}): { messages: Message[]; splitter: MessageSplitter } {
  const s = new MessageSplitter(opts)
  const messages: Message[] = []
  const atEmit: string[] = []
  for (const c of chunks) {
    s.push(c, (m) => {
      messages.push(m)
      atEmit.push(fingerprint(m.raw))
    })
  }
  // a view handed out earlier must not have been overwritten by later chunks
  assert.deepEqual(
    messages.map((m) => fingerprint(m.raw)),
    atEmit,
    'a Message view changed after it was emitted',
  )
  return { messages, splitter: s }
}

function* bytes(b: Buffer): Iterable<Buffer> {
  for (let i = 0; i < b.length; i++) yield b.subarray(i, i + 1)
}

/**
 * The three ways every case runs: whole, byte by byte, and split in two at every boundary
 * (`stride` > 1 samples the boundaries, for multi-megabyte cases; the envelope region and the
 * stream's ends are always covered).
 */
export function threeWays(c: Case, opts: SplitterOptions = {}, stride = 1): void {
  const { stream, expected } = c
  const whole = split([stream], opts)
  assert.deepEqual(whole.messages.map(summarize), expected, 'whole')
  assert.equal(whole.splitter.bufferedBytes, 0)
  for (const m of whole.messages) {
    if (m.dialect.transport !== 'header' || m.header?.transforms.length === 0) {
      assert.equal(m.raw.buffer, stream.buffer, 'a message inside one chunk is a view, not a copy')
    }
  }
  const one = split(bytes(stream), opts)
  assert.deepEqual(one.messages.map(summarize), expected, 'byte by byte')
  assert.equal(one.splitter.bufferedBytes, 0)
  const points = new Set<number>()
  for (let i = 1; i < stream.length; i += stride) points.add(i)
  const edge = stride > 1 ? 24 : 128
  let at = 0
  for (const e of expected) {
    // around every message boundary (and through each envelope)
    for (let i = Math.max(1, at - edge); i < Math.min(stream.length, at + edge); i++) points.add(i)
    at += e.raw.includes(':') ? Number(e.raw.split(':')[0]) : e.raw.length / 2
  }
  for (let i = Math.max(1, stream.length - edge); i < stream.length; i++) points.add(i)
  for (const i of points) {
    const two = split([stream.subarray(0, i), stream.subarray(i)], opts)
    assert.deepEqual(two.messages.map(summarize), expected, `split at ${i}`)
  }
}
