// Forces the interleavings the cache must survive: a CallHandler registered before the cache holds
// getUser's reply (so the cache's fill) until the test opens it. Shared by the race tests.
import type { CallContext, CallHandler } from '../../proxy/core/index.js'
import type { Message } from '../../proxy/codec/index.js'

export class ReplyGate implements CallHandler {
  #open: (() => void) | undefined
  #arrived: (() => void) | undefined
  /** Resolves when the armed getUser reply has arrived and is being held. */
  held = new Promise<void>((r) => (this.#arrived = r))
  armed = false

  onReply(ctx: CallContext, _reply: Message): void | Promise<void> {
    if (!this.armed || ctx.message.method !== 'getUser') return undefined
    this.armed = false
    this.#arrived?.()
    return new Promise<void>((r) => (this.#open = r))
  }

  open(): void {
    this.#open?.()
  }
}

/** The three tier layouts every race is forced in. */
export const TIER_LAYOUTS = [
  { name: 'in-process only', redis: false, memory: '8MiB' },
  { name: 'Redis only', redis: true, memory: '0' },
  { name: 'in-process + Redis', redis: true, memory: '8MiB' },
] as const
