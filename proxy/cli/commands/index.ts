// `thriftgate index stats|get|verify|backfill|rebuild`: operate the secondary indexes.
// With --admin-url the command asks a running thriftgate (its /index/* admin endpoints); without it,
// it opens the index directory itself (the proxy must be stopped: RocksDB allows one process per
// directory) and calls the upstream directly, with the config's dialect and timeouts.
import type { CommandModule } from 'yargs'
import { loadConfig, type Config } from '../../config/index.js'
import { ThriftProxy } from '../../core/index.js'
import { IndexError, SecondaryIndex, indexOptionsFromConfig, type BackfillProgressReport } from '../../index/index.js'
import { configFile, flagOverrides, withConfigFlags, type ConfigFlags } from '../flags.js'
import { toProxyOptions } from '../proxy-options.js'
import { describeFailure } from '../report.js'

const ACTIONS = ['stats', 'get', 'verify', 'backfill', 'rebuild'] as const
type Action = (typeof ACTIONS)[number]

type Args = ConfigFlags & {
  action: Action
  value?: string
  entity?: string
  index?: string
  sample: number
  repair: boolean
  restart: boolean
  'page-size': number
  'admin-url'?: string
  'admin-token'?: string
  json: boolean
}

function print(argv: Args, value: unknown, text: () => string): void {
  process.stdout.write(argv.json ? `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n` : `${text()}\n`)
}

function progressLine(p: BackfillProgressReport): string {
  const rate = p.elapsedMs > 0 ? Math.round((p.scanned * 1000) / p.elapsedMs) : 0
  return `${p.entity}: ${p.scanned} entities, ${p.pages} pages, ${(p.elapsedMs / 1000).toFixed(1)} s, ${rate}/s${p.resumed ? ' (resumed)' : ''}`
}

async function viaAdmin(argv: Args): Promise<void> {
  const base = argv['admin-url']!.replace(/\/$/, '')
  const q = new URLSearchParams()
  if (argv.entity !== undefined) q.set('entity', argv.entity)
  const routes: Record<Action, [string, string]> = {
    stats: ['GET', '/index/stats'],
    get: ['GET', '/index/get'],
    verify: ['POST', '/index/verify'],
    backfill: ['POST', '/index/backfill'],
    rebuild: ['POST', '/index/rebuild'],
  }
  if (argv.action === 'get') {
    q.set('index', argv.index ?? '')
    q.set('value', argv.value ?? '')
  }
  if (argv.action === 'verify') {
    q.set('sample', String(argv.sample))
    if (argv.repair) q.set('repair', 'true')
  }
  if (argv.action === 'backfill' && argv.restart) q.set('restart', 'true')
  const [method, path] = routes[argv.action]
  const token = argv['admin-token'] ?? process.env.THRIFTGATE_ADMIN_TOKEN
  const res = await fetch(`${base}${path}?${q.toString()}`, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  const body = await res.text()
  process.stdout.write(body.endsWith('\n') ? body : `${body}\n`)
  if (!res.ok) process.exitCode = 1
}

async function direct(argv: Args, config: Config): Promise<void> {
  // The core's pool only (never started as a listener): calls with the config's dialect and timeouts.
  const proxy = new ThriftProxy(toProxyOptions(config))
  const opts = indexOptionsFromConfig(config, { upstream: (m) => proxy.pool.call(m) })
  if (opts === undefined) throw new Error('the config has no index (an `index:` section and `entities` are needed)')
  const index = await SecondaryIndex.open(opts)
  try {
    if (index.error !== undefined) {
      throw new IndexError(
        index.error.code,
        `${index.error.message}${index.error.code === 'TG_ERR_INDEX_LOCKED' ? '\n(a running thriftgate holds it: ask it instead with --admin-url http://HOST:ADMINPORT)' : ''}`,
      )
    }
    const entity = argv.entity ?? index.models[0]?.name
    if (entity === undefined) throw new Error('no entity is configured')
    switch (argv.action) {
      case 'stats': {
        const s = await index.stats()
        return print(argv, s, () =>
          [
            `index ${s.path}: ${(s.bytesOnDisk / 1048576).toFixed(1)} MiB on disk`,
            ...s.entities.map((e) => {
              const entries = Object.entries(e.entries).map(([k, n]) => `${k}=${n}`).join(' ')
              const bf = e.backfill === null ? '' : `; interrupted backfill at ${e.backfill.scanned} entities (resume with \`index backfill\`)`
              return `  ${e.service}.${e.name}: ${e.entities} entities, entries ${entries || '(none)'}; ${e.authoritative ? 'authoritative' : `NOT authoritative (${e.reason})`}${bf}`
            }),
          ].join('\n'),
        )
      }
      case 'get': {
        if (argv.index === undefined || argv.value === undefined) throw new Error('give --index NAME and the value: `thriftgate index get --index email a@example.com`')
        const r = await index.get(entity, argv.index, argv.value)
        return print(argv, r, () => (r.keys.length === 0 ? 'no entry' : r.keys.join('\n')))
      }
      case 'verify': {
        const r = await index.verify(entity, { sample: argv.sample, repair: argv.repair })
        if (r.mismatches.length > 0) process.exitCode = 1
        return print(argv, r, () => [`${r.entity}: checked ${r.checked}, ${r.ok} match the upstream, ${r.mismatches.length} do not`, ...r.mismatches.map((m) => `  ${m.key}: ${m.problem} (${m.detail})`)].join('\n'))
      }
      case 'backfill':
      case 'rebuild': {
        let last = 0
        const onProgress = (p: BackfillProgressReport): void => {
          if (argv.json || Date.now() - last < 1000) return
          last = Date.now()
          process.stderr.write(`${progressLine(p)}\n`)
        }
        const run = argv.action === 'rebuild' ? index.rebuild.bind(index) : index.backfill.bind(index)
        const r = await run(entity, { pageSize: argv['page-size'], restart: argv.restart, onProgress })
        return print(argv, r, () => `${progressLine(r)}\n${r.authoritative ? 'done: the index is authoritative' : 'done, but NOT authoritative (authority was lost meanwhile): run it again'}`)
      }
    }
  } finally {
    await index.close()
    proxy.destroy()
  }
}

export const indexCommand: CommandModule<object, Args> = {
  command: 'index <action> [value]',
  describe: 'Operate the secondary indexes: stats, get, verify, backfill, rebuild',
  builder: (y) =>
    withConfigFlags(y)
      .positional('action', { choices: ACTIONS, demandOption: true, describe: 'What to do' })
      .positional('value', { type: 'string', describe: 'get: the indexed value to look up' })
      .option('entity', { type: 'string', describe: 'The entity (default: the first configured)' })
      .option('index', { type: 'string', describe: 'get: the index name' })
      .option('sample', { type: 'number', default: 100, describe: 'verify: how many records to compare with the upstream' })
      .option('repair', { type: 'boolean', default: false, describe: 'verify: fix the records that differ' })
      .option('restart', { type: 'boolean', default: false, describe: 'backfill: start over instead of resuming an interrupted backfill' })
      .option('page-size', { type: 'number', default: 1000, describe: 'backfill/rebuild: entities per scan call' })
      .option('admin-url', { type: 'string', describe: 'Ask a running thriftgate (http://HOST:ADMINPORT) instead of opening the index directory' })
      .option('admin-token', { type: 'string', describe: 'Bearer token for mutating admin calls. Env: THRIFTGATE_ADMIN_TOKEN' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
      .example('$0 index backfill --config thriftgate.yaml --entity User', 'Build the User indexes (resumes if interrupted)')
      .example('$0 index stats --admin-url http://127.0.0.1:9464', 'Ask a running proxy')
      .example('$0 index get --config thriftgate.yaml --index email a@example.com', 'Primary keys the index holds for a value'),
  handler: async (argv) => {
    try {
      if (argv['admin-url'] !== undefined) return await viaAdmin(argv)
      const config = loadConfig({ file: configFile(argv), flags: flagOverrides(argv) })
      await direct(argv, config)
    } catch (err) {
      process.stderr.write(`${describeFailure(err)}\n`)
      process.exitCode = 1
    }
  },
}
