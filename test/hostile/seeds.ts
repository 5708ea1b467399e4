// The fuzzer's seed corpus: real calls as the `thrift` library writes them, in all 12 dialects
// (framed/buffered/header × binary/compact × multiplexed or not), one message per seed.
import { MessageSplitter, type Message } from '../../proxy/codec/index.js'
import { captureUserClientBytes } from '../support/byte-capture.js'
import { i64 } from '../support/thrift-peers.js'
import { ALL_DIALECTS, dialectName, type PeerDialect } from '../support/thrift-lib.js'

export interface Seed {
  /** "framed/binary getUser" */
  readonly name: string
  readonly dialect: Required<PeerDialect>
  /** The whole message as on the wire (frame or THeader included). */
  readonly bytes: Buffer
  /** Where the protocol-level message begins in `bytes` (4 for framed, the THeader payload offset, 0 unframed). */
  readonly payloadOffset: number
  readonly protocol: 'binary' | 'compact'
  readonly method: string
}

/** Every UserService method, with arguments that hit the cache (getUser), the index (email, age range) and writes. */
export const SEED_CALLS = (c: Parameters<Parameters<typeof captureUserClientBytes>[1]>[0]): void => {
  void c.getUser(7)
  void c.getUser(i64(99_999n))
  void c.getUserByEmail('user3@example.com')
  void c.listUsersByAge(20, 30, 5)
  void c.countUsers()
  void c.putUser({ id: i64(5n), name: 'five', email: 'user5@example.com', age: 40, tags: ['a', 'b'] })
  void c.deleteUser(i64(77_777n))
  void c.scanUsers(i64(0n), 3)
  void c.touch(3)
}

function split(bytes: Buffer): Message[] {
  const out: Message[] = []
  new MessageSplitter().push(bytes, (m) => out.push(m))
  return out
}

export async function captureSeeds(): Promise<Seed[]> {
  const seeds: Seed[] = []
  for (const d of ALL_DIALECTS) {
    const bytes = await captureUserClientBytes(d, SEED_CALLS)
    for (const m of split(bytes)) {
      // Copy: a seed outlives the capture buffer, and mutators write into copies of it anyway.
      const raw = Buffer.from(m.raw)
      const payloadOffset = m.header !== undefined ? raw.length - m.payload.length : m.dialect.transport === 'framed' ? 4 : 0
      seeds.push({ name: `${dialectName(d)} ${m.method}`, dialect: d, bytes: raw, payloadOffset, protocol: m.dialect.protocol, method: m.method })
    }
  }
  return seeds
}
