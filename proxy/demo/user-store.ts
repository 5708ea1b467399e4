// The demo upstream's data: users in memory, keyed by their exact i64 id (bigint). Primary-key
// operations are map lookups; the secondary lookups deliberately scan every user on every call,
// which is the slowness thriftgate's indexes exist to hide.

import type { UserBackend } from './user-backend.js'

export interface User {
  id: bigint
  name: string
  email: string
  age: number
  tags?: string[] | undefined
}

export const MIN_SEED_AGE = 18
export const MAX_SEED_AGE = 90

/** The i-th seeded user (deterministic): id i, `user<i>@example.com`, age in 18..90. */
export function seedUser(i: number): User {
  const span = MAX_SEED_AGE - MIN_SEED_AGE + 1
  return {
    id: BigInt(i),
    name: `User ${i}`,
    email: `user${i}@example.com`,
    age: MIN_SEED_AGE + ((i * 37) % span),
    tags: i % 4 === 0 ? [`group${i % 3}`] : undefined,
  }
}

export class UserStore implements UserBackend {
  private readonly byId = new Map<bigint, User>()
  /** Ids in ascending order, rebuilt lazily after an insert or delete. */
  private sorted: bigint[] | undefined

  get size(): number {
    return this.byId.size
  }

  count(): number {
    return this.byId.size
  }

  /** Adds users 1..n (replacing any with those ids). */
  seedUsers(n: number): void {
    for (let i = 1; i <= n; i++) this.put(seedUser(i))
  }

  get(id: bigint): User | undefined {
    return this.byId.get(id)
  }

  /** Upsert; returns the stored copy. */
  put(u: User): User {
    const stored: User = { id: u.id, name: u.name, email: u.email, age: u.age, tags: u.tags === undefined ? undefined : [...u.tags] }
    if (!this.byId.has(u.id)) this.sorted = undefined
    this.byId.set(u.id, stored)
    return stored
  }

  /** Returns whether the user existed. */
  delete(id: bigint): boolean {
    const had = this.byId.delete(id)
    if (had) this.sorted = undefined
    return had
  }

  clear(): void {
    this.byId.clear()
    this.sorted = undefined
  }

  /** Full scan; the lowest id wins when several users share the email. */
  findByEmail(email: string): User | undefined {
    let best: User | undefined
    for (const u of this.byId.values()) if (u.email === email && (best === undefined || u.id < best.id)) best = u
    return best
  }

  /** Full scan: users with lo ≤ age ≤ hi, ordered by id; limit ≤ 0 means no limit. */
  listByAge(lo: number, hi: number, limit: number): User[] {
    const hits: User[] = []
    for (const u of this.byId.values()) if (u.age >= lo && u.age <= hi) hits.push(u)
    hits.sort(byId)
    return limit > 0 ? hits.slice(0, limit) : hits
  }

  /** Users with id > afterId in id order, at most `limit` (≤ 0: all); nextAfter when more remain. */
  scan(afterId: bigint, limit: number): { users: User[]; nextAfter: bigint | undefined } {
    const ids = this.sortedIds()
    let lo = 0
    let hi = ids.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((ids[mid] as bigint) <= afterId) lo = mid + 1
      else hi = mid
    }
    const end = limit > 0 ? Math.min(ids.length, lo + limit) : ids.length
    const users = ids.slice(lo, end).map((id) => this.byId.get(id) as User)
    const last = users[users.length - 1]
    return { users, nextAfter: end < ids.length && last !== undefined ? last.id : undefined }
  }

  private sortedIds(): bigint[] {
    this.sorted ??= [...this.byId.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return this.sorted
  }
}

function byId(a: User, b: User): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
