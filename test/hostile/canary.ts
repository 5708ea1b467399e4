// A healthy client on its own connection while hostile traffic runs: writes its own users (ids no
// seed call touches) and reads them back through the cache (getUser) and the index (email, age
// range). Every answer must be the value it wrote last; any error is a failure.
import { connectUserClient, type UserClient, type UserValue } from '../support/thrift-clients.js'
import type { PeerDialect } from '../support/thrift-lib.js'
import { i64, toBigInt } from '../support/thrift-peers.js'

export interface Canary {
  readonly calls: number
  /**
   * Calls the proxy answered with its own request-timeout TApplicationException: the upstream was
   * stalled (see RELIABILITY.md: one hostile frame can keep the demo upstream busy for seconds).
   * That is the proxy doing its job; wrong answers and lost connections are failures.
   */
  readonly upstreamTimeouts: number
  readonly failures: readonly CanaryFailure[]
  stop(): Promise<void>
}

export interface CanaryFailure {
  /** Date.now() when the failure was seen (a timed-out call began up to its timeout earlier). */
  readonly at: number
  readonly what: string
}

export const CANARY_AGE = 17 // the demo store seeds ages 18..90: age 17 holds only canary users

export async function startCanary(port: number, opts: { idBase: number; pauseMs: number; dialect: Required<PeerDialect> }): Promise<Canary> {
  let client: UserClient = await connectUserClient(port, opts.dialect)
  const failures: CanaryFailure[] = []
  let calls = 0
  let upstreamTimeouts = 0
  let running = true
  const fail = (what: string): void => {
    if (failures.length < 20) failures.push({ at: Date.now(), what })
  }
  const idOf = (u: UserValue): bigint => toBigInt(u.id)
  const loop = (async () => {
    for (let k = 0; running; k++) {
      const id = BigInt(opts.idBase + (k % 25))
      const name = `canary-${k}`
      const email = `canary${id}@example.org`
      try {
        const stored = await client.putUser({ id: i64(id), name, email, age: CANARY_AGE, tags: [] })
        const got = await client.getUser(i64(id))
        const byEmail = await client.getUserByEmail(email)
        const range = await client.listUsersByAge(CANARY_AGE, CANARY_AGE, 0)
        calls += 4
        if (idOf(stored) !== id || stored.name !== name) fail(`putUser(${id}) returned ${stored.name}`)
        if (got.name !== name) fail(`getUser(${id}) = ${got.name}, wrote ${name}`)
        if (idOf(byEmail) !== id || byEmail.name !== name) fail(`getUserByEmail(${email}) = ${idOf(byEmail)}/${byEmail.name}, wrote ${name}`)
        const mine = range.find((u) => idOf(u) === id)
        if (mine?.name !== name) fail(`listUsersByAge(${CANARY_AGE}) has ${mine?.name ?? 'no entry'} for ${id}, wrote ${name}`)
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err)
        if (/^upstream \S+: [\w:]+ timed out after \d+ms$/.test(msg)) {
          upstreamTimeouts++
          continue
        }
        fail(`call ${k} failed: ${msg}`)
        await client.close().catch(() => undefined)
        if (!running) break
        await new Promise((r) => setTimeout(r, 200))
        try {
          client = await connectUserClient(port, opts.dialect)
        } catch (e) {
          fail(`reconnect failed: ${e instanceof Error ? e.message : String(e)}`)
          break
        }
      }
      if (opts.pauseMs > 0) await new Promise((r) => setTimeout(r, opts.pauseMs))
    }
  })()
  return {
    get calls() {
      return calls
    },
    get upstreamTimeouts() {
      return upstreamTimeouts
    },
    failures,
    async stop() {
      running = false
      await loop
      await client.close().catch(() => undefined)
    },
  }
}
