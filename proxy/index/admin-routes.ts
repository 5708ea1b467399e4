// Admin endpoints for the index, shaped like the admin server's routes (proxy/admin AdminRoute) so
// the admin can mount them without the index depending on it. Long operations (backfill, rebuild)
// start in the background and report through GET /index/stats.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SecondaryIndex } from './secondary-index.js'

export interface IndexRoute {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly mutating: boolean
  readonly description: string
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(text)
}

function errorStatus(err: unknown): number {
  const code = (err as { code?: string }).code
  return code === 'TG_ERR_INDEX_CONFIG' ? 400 : code === 'TG_ERR_INDEX_CLOSED' || code === 'TG_ERR_INDEX_LOCKED' || code === 'TG_ERR_INDEX_CORRUPT' ? 503 : 500
}

function fail(res: ServerResponse, err: unknown): void {
  json(res, errorStatus(err), { error: (err as Error).message, code: (err as { code?: string }).code })
}

export function indexAdminRoutes(index: SecondaryIndex): IndexRoute[] {
  const running = new Map<string, Promise<unknown>>()
  const entityOf = (url: URL): string => url.searchParams.get('entity') ?? index.models[0]?.name ?? ''
  const background = (kind: 'backfill' | 'rebuild') => async (_q: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const entity = entityOf(url)
    try {
      index.model(entity)
    } catch (err) {
      return fail(res, err)
    }
    if (running.has(entity)) return json(res, 409, { error: `a backfill of ${entity} is already running` })
    const job = (kind === 'rebuild' ? index.rebuild(entity) : index.backfill(entity, { restart: url.searchParams.get('restart') === 'true' })).finally(() => running.delete(entity))
    job.catch(() => undefined)
    running.set(entity, job)
    json(res, 202, { started: kind, entity, progress: 'GET /index/stats' })
  }
  return [
    {
      method: 'GET',
      path: '/index/stats',
      mutating: false,
      description: 'Index state per entity (authoritative, backfill progress, entries), bytes on disk, replication lag, counters.',
      async handle(_q, res) {
        json(res, 200, { ...(await index.stats()), running: [...running.keys()] })
      },
    },
    {
      method: 'GET',
      path: '/index/get',
      mutating: false,
      description: 'Primary keys the index holds for ?entity=&index=&value=.',
      async handle(_q, res, url) {
        try {
          json(res, 200, await index.get(entityOf(url), url.searchParams.get('index') ?? '', url.searchParams.get('value') ?? ''))
        } catch (err) {
          fail(res, err)
        }
      },
    },
    {
      method: 'POST',
      path: '/index/verify',
      mutating: true,
      description: 'Samples ?sample=100 records of ?entity= and compares them with the upstream (&repair=true fixes them).',
      async handle(_q, res, url) {
        try {
          json(res, 200, await index.verify(entityOf(url), { sample: Number(url.searchParams.get('sample') ?? 100), repair: url.searchParams.get('repair') === 'true' }))
        } catch (err) {
          fail(res, err)
        }
      },
    },
    { method: 'POST', path: '/index/backfill', mutating: true, description: 'Starts (or resumes) a backfill of ?entity=.', handle: background('backfill') },
    { method: 'POST', path: '/index/rebuild', mutating: true, description: 'Drops ?entity= from the index and backfills it from scratch.', handle: background('rebuild') },
  ]
}
