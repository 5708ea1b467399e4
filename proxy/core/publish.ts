// Building and publishing the per-call events, kept out of the connection's control flow. Each
// function returns at once when nobody subscribes (events.ts: no cost when nobody listens).
import { performance } from 'node:perf_hooks'
import { channels, type RequestOutcome } from './events.js'
import type { UpstreamCause } from './errors.js'
import type { HandlerStage } from './handler-runner.js'
import type { CallContext } from './handlers.js'
import type { PendingCall } from './pending.js'

export function publishRequest(connectionId: number, p: PendingCall, outcome: RequestOutcome, replyBytes: number): void {
  if (!channels.request.hasSubscribers) return
  const m = p.message
  channels.request.publish({
    connectionId,
    service: m.service,
    method: m.method,
    outcome,
    durationMs: p.startedAt > 0 ? performance.now() - p.startedAt : 0,
    requestBytes: m.raw.length,
    replyBytes,
  })
}

export function publishUpstreamError(connectionId: number, upstream: string, cause: UpstreamCause | 'timeout', affectedCalls: number): void {
  if (channels.upstreamError.hasSubscribers) channels.upstreamError.publish({ connectionId, upstream, cause, affectedCalls })
}

export function publishHandlerError(connectionId: number, stage: HandlerStage, ctx: CallContext, error: unknown): void {
  if (channels.handlerError.hasSubscribers) channels.handlerError.publish({ connectionId, stage, name: ctx.message.name, error })
}
