// What the demo UserService serves its users from. The in-memory UserStore answers at once; a
// backend may also answer with promises (a database, e.g. the PostgreSQL table the index bench
// can use, where the secondary lookups are real scans of unindexed columns).
import type { User } from './user-store.js'

type MaybePromise<T> = T | Promise<T>

export interface UserBackend {
  get(id: bigint): MaybePromise<User | undefined>
  /** The lowest id wins when several users share the email. */
  findByEmail(email: string): MaybePromise<User | undefined>
  /** Users with lo ≤ age ≤ hi, ordered by id; limit ≤ 0 means no limit. */
  listByAge(lo: number, hi: number, limit: number): MaybePromise<User[]>
  /** Upsert; returns the stored user. */
  put(u: User): MaybePromise<User>
  /** Returns whether the user existed. */
  delete(id: bigint): MaybePromise<boolean>
  /** Users with id > afterId in id order, at most `limit` (≤ 0: all); nextAfter when more remain. */
  scan(afterId: bigint, limit: number): MaybePromise<{ users: User[]; nextAfter: bigint | undefined }>
  count(): MaybePromise<number>
}
