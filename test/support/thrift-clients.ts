// Promise-friendly real library clients for the Interop/Second and UserService test services.
import { connectThrift, type ThriftClient } from '../../proxy/demo/index.js'
import { INTEROP_METHODS, type InteropHandler } from './interop-server.js'
import { testGen, type Int64Value, type PeerDialect } from './thrift-lib.js'

type Promised<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never

export type InteropClient = { [K in keyof InteropHandler]: Promised<InteropHandler[K]> } & {
  /** Second.hello; only on a multiplexed connection. */
  hello(who: string): Promise<string>
  readonly thrift: ThriftClient
  readonly closed: Promise<void>
  close(): Promise<void>
}

export interface ConnectOptions extends PeerDialect {
  host?: string
  /** THeader info headers sent with every call (header transport only). */
  headers?: Record<string, string>
  /**
   * Each call fails with ThriftCallTimeoutError after this long, so a lost reply fails the test
   * instead of hanging it (node's test runner has no default timeout). Default 10 s; 0 = never.
   */
  callTimeoutMs?: number
}

export const DEFAULT_CALL_TIMEOUT_MS = 10_000

export async function connectInteropClient(port: number, opts: ConnectOptions): Promise<InteropClient> {
  const g = testGen()
  const services: Record<string, unknown> = opts.multiplexed === true ? { Interop: g.Interop, Second: g.Second } : { Interop: g.Interop }
  const c = await connectThrift(port, services, { callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS, ...opts, multiplexed: opts.multiplexed === true })
  const out: Record<string, unknown> = { thrift: c, closed: c.closed, close: () => c.close() }
  for (const m of Object.keys(INTEROP_METHODS)) out[m] = (...args: unknown[]) => c.call('Interop', m, args)
  out.hello = (who: string) => c.call('Second', 'hello', [who])
  return out as unknown as InteropClient
}

/** demo.User as the generated code holds it (i64 as node-int64 when read). */
export interface UserValue {
  id: Int64Value | number
  name: string
  email: string
  age: number
  tags?: string[] | null
}
export interface UserPageValue {
  users: UserValue[]
  nextAfter?: Int64Value | null
}

export interface UserClient {
  getUser(id: Int64Value | number): Promise<UserValue>
  getUserByEmail(email: string): Promise<UserValue>
  listUsersByAge(lo: number, hi: number, limit: number): Promise<UserValue[]>
  countUsers(): Promise<Int64Value>
  putUser(u: UserValue): Promise<UserValue>
  deleteUser(id: Int64Value | number): Promise<void>
  scanUsers(afterId: Int64Value | number, limit: number): Promise<UserPageValue>
  touch(id: Int64Value | number): Promise<void>
  readonly thrift: ThriftClient
  readonly closed: Promise<void>
  close(): Promise<void>
}

export const USER_METHODS = ['getUser', 'getUserByEmail', 'listUsersByAge', 'countUsers', 'putUser', 'deleteUser', 'scanUsers', 'touch'] as const

/** A UserService client (multiplexed: service name "UserService"). */
export async function connectUserClient(port: number, opts: ConnectOptions): Promise<UserClient> {
  const c = await connectThrift(port, { UserService: testGen().UserService }, { callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS, ...opts, multiplexed: opts.multiplexed === true })
  const out: Record<string, unknown> = { thrift: c, closed: c.closed, close: () => c.close() }
  for (const m of USER_METHODS) {
    out[m] = (...args: unknown[]) => c.call('UserService', m, args)
  }
  return out as unknown as UserClient
}
