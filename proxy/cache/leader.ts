// The leader of a coalesced fetch: the one reader of a missing key whose own call goes on to the
// upstream while later readers of that key wait on its Flight. Kept apart from read-cache.ts's
// lookup flow because how a leader ends is the same whichever hook ends it (onReply, onFailure,
// onSettled): store the reply if it may be cached, release the Redis lease otherwise, and always
// finish the flight so no reader waits for its timeout.
import type { Message } from '../codec/index.js'
import type { Flight } from './flight.js'
import type { EntryKey } from './keys.js'
import type { FillToken } from './local-tier.js'
import { entryFromReply } from './store-entry.js'
import type { CacheTiers, Lease } from './tiers.js'

export interface Leader {
  readonly key: EntryKey
  readonly flight: Flight
  /** Taken when the flight began: the in-process tier refuses the fill if the key was invalidated since. */
  readonly token: FillToken | undefined
  /** This sidecar's Redis lease on the key, when it got one. */
  readonly lease: Lease | undefined
}

/** The leader's call got a reply to share: store it when cacheable, and answer the waiting readers. */
export function completeLeader(tiers: CacheTiers, maxEntryBytes: number, leader: Leader, reply: Message): void {
  const v = entryFromReply(leader.key.rule, reply, maxEntryBytes, Date.now())
  if (v.ok) {
    tiers.store(leader.key, leader.token, leader.lease, v.entry)
    leader.flight.finish({ result: v.entry.result, negative: v.entry.kind === 'negative' })
    return
  }
  tiers.metrics.uncached[v.reason]++
  if (leader.lease !== undefined) void tiers.redis?.release(leader.lease.keys, leader.lease.token)
  leader.flight.finish(v.shareable === undefined ? undefined : { result: v.shareable, negative: false })
}

/** The leader's call ended with nothing to share: free the lease; the readers go on by themselves. */
export function giveUpLeader(tiers: CacheTiers, leader: Leader): void {
  if (leader.lease !== undefined) void tiers.redis?.release(leader.lease.keys, leader.lease.token)
  leader.flight.finish(undefined)
}
