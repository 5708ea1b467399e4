// The vocabulary of a consistency run: the key space, the upstream's log lines, the operations
// clients performed (the history) and the faults the nemesis injected.

/** One line of the upstream's log (JSON). `seq` is the upstream's order of application. */
export interface AppliedWrite {
  seq: number
  /** When the write was applied (ms on the machine-wide monotonic clock, test/consistency/clock.ts). */
  t: number
  op: 'put' | 'delete'
  id: number
  /** put: the user's name field, which carries the writer's unique write id. */
  name?: string
  email?: string
  age?: number
  /** delete: whether the user existed. */
  found?: boolean
}

/** Emails embed their key, so one email can only ever belong to one key (the index is unique). */
export function emailFor(id: number, variant: number): string {
  return `u${id}.v${variant}@example.com`
}

export function seedWriteId(id: number): string {
  return `seed-${id}`
}

export const MIN_AGE = 20
export const AGE_SPAN = 10

export type OpKind = 'put' | 'delete' | 'get' | 'byEmail' | 'range'

/**
 * ok: a reply with a value; notFound: the declared exception (a definite answer);
 * error: a TApplicationException (the proxy or upstream failed; a write may or may not have run);
 * unknown: no reply (timeout, connection lost).
 */
export type Outcome = 'ok' | 'notFound' | 'error' | 'unknown'

/** A user as a client saw it. */
export interface SeenUser {
  id: number
  name: string
  email: string
  age: number
}

export interface Op {
  /** Index in the history. */
  i: number
  /** The client (a sequential process). */
  process: number
  /** Which proxy the call went through. */
  proxy: number
  op: OpKind
  /** put/delete/get: the key; put: the new fields; byEmail: the email; range: lo, hi, limit. */
  id?: number
  writeId?: string
  email?: string
  age?: number
  lo?: number
  hi?: number
  limit?: number
  inv: number
  comp: number
  outcome: Outcome
  /** get/byEmail/put: the user returned; range: the list. */
  value?: SeenUser | SeenUser[]
  error?: string
}

export type FaultKind = 'kill' | 'pause' | 'latency'
export type Target = 'redis' | 'upstream' | `proxy${number}`

export interface Fault {
  kind: FaultKind
  target: Target
  /** When the fault began (process killed / stopped) and ended (restarted and ready / continued). */
  start: number
  end: number
  detail?: string
}

export const isWrite = (op: OpKind): boolean => op === 'put' || op === 'delete'
