// The invalidation bus: sidecars sharing Redis tell each other to drop in-process copies over
// Redis pub/sub (PUBLISH/SUBSCRIBE exist in Redis 6/7, Valkey, KeyDB, and are cluster-wide in
// Redis Cluster). Pub/sub is at-most-once: a subscriber that loses its connection misses messages,
// so whenever the subscription (re)starts, the in-process tier is flushed *after* SUBSCRIBE is
// confirmed: nothing published from then on is missed, and nothing from before survives.
import { randomBytes } from 'node:crypto'
import { Cluster } from 'ioredis'
import type { RedisClient } from './redis-tier.js'

export type BusMessage =
  | { readonly kind: 'key'; readonly methodId: string; readonly key: string }
  | { readonly kind: 'method'; readonly methodId: string }
  | { readonly kind: 'all' }

export interface BusEvents {
  /** Another sidecar invalidated something. */
  onMessage(m: BusMessage): void
  /** The subscription is (again) in place: flush the in-process tier now. */
  onResubscribed(): void
  /** The subscription dropped: in-process copies may now miss invalidations. */
  onDropped(): void
}

// Wire form: "<origin>|<kind>|<methodId>|<key bytes, latin1>"; origin lets a sidecar skip its own.
export function encodeBusMessage(origin: string, m: BusMessage): Buffer {
  switch (m.kind) {
    case 'key':
      return Buffer.from(`${origin}|k|${m.methodId}|${m.key}`, 'latin1')
    case 'method':
      return Buffer.from(`${origin}|m|${m.methodId}|`, 'latin1')
    case 'all':
      return Buffer.from(`${origin}|a||`, 'latin1')
  }
}

export function decodeBusMessage(buf: Buffer): { origin: string; message: BusMessage } | undefined {
  const s = buf.toString('latin1')
  const a = s.indexOf('|')
  const b = s.indexOf('|', a + 1)
  const c = s.indexOf('|', b + 1)
  if (a < 0 || b < 0 || c < 0) return undefined
  const origin = s.slice(0, a)
  const kind = s.slice(a + 1, b)
  const methodId = s.slice(b + 1, c)
  if (kind === 'k') return { origin, message: { kind: 'key', methodId, key: s.slice(c + 1) } }
  if (kind === 'm') return { origin, message: { kind: 'method', methodId } }
  if (kind === 'a') return { origin, message: { kind: 'all' } }
  return undefined
}

export class InvalidationBus {
  readonly origin = randomBytes(6).toString('base64url')
  readonly channel: string
  readonly #pub: RedisClient
  readonly #sub: RedisClient
  readonly #events: BusEvents
  #subscribed = false
  #closed = false

  constructor(client: RedisClient, channel: string, events: BusEvents) {
    this.#pub = client
    this.channel = channel
    this.#events = events
    // A separate connection: a subscribed connection can run no other commands.
    this.#sub = client instanceof Cluster ? client.duplicate() : client.duplicate()
    this.#sub.on('messageBuffer', (_ch: Buffer, msg: Buffer) => this.#receive(msg))
    this.#sub.on('ready', () => void this.#subscribe())
    this.#sub.on('close', () => this.#dropped())
    this.#sub.on('error', () => {
      // reconnects on its own; 'close' reports the drop
    })
  }

  /** True while invalidations from other sidecars are guaranteed to arrive. */
  get subscribed(): boolean {
    return this.#subscribed
  }

  /** Resolves once the first subscription is in place, or after `timeoutMs` (then `subscribed` is false). */
  async ready(timeoutMs: number): Promise<boolean> {
    const t0 = Date.now()
    while (!this.#subscribed && Date.now() - t0 < timeoutMs && !this.#closed) await new Promise((r) => setTimeout(r, 10))
    return this.#subscribed
  }

  /** Throws when Redis cannot take it (the caller queues it with the Redis invalidation). */
  async publish(m: BusMessage): Promise<void> {
    await this.#pub.publish(this.channel, encodeBusMessage(this.origin, m))
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#subscribed = false
    this.#sub.disconnect()
  }

  async #subscribe(): Promise<void> {
    // ioredis resubscribes by itself when autoResubscribe is on; subscribing again is harmless
    // and tells us when it is confirmed.
    try {
      await this.#sub.subscribe(this.channel)
    } catch {
      return // the connection dropped again; 'ready' fires on the next reconnect
    }
    if (this.#closed) return
    this.#events.onResubscribed()
    this.#subscribed = true
  }

  #dropped(): void {
    if (!this.#subscribed) return
    this.#subscribed = false
    this.#events.onDropped()
  }

  #receive(buf: Buffer): void {
    const d = decodeBusMessage(buf)
    if (d === undefined || d.origin === this.origin) return
    this.#events.onMessage(d.message)
  }
}
