// `thriftgate demo` (what `npm start` runs): the demo UserService with artificial latency and slow
// scanning lookups, and thriftgate in front of it with config/demo/thriftgate.yaml (no Redis
// needed). Prints where to point a client and a one-line command that calls through the proxy.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CommandModule } from 'yargs'
import { formatHostPort, loadConfig, LOG_LEVELS, type Override } from '../../config/index.js'
import { createLogger } from '../../log/index.js'
import { describeFailure } from '../report.js'

const here = dirname(fileURLToPath(import.meta.url))
/** proxy/cli/commands and dist/cli/commands are both three levels below the package root. */
const ROOT = join(here, '..', '..', '..')
export const DEMO_CONFIG = join(ROOT, 'config', 'demo', 'thriftgate.yaml')

interface Args {
  listen: string
  admin: string
  users: number
  'latency-ms': number
  'scan-latency-ms': number
  'log-level': string
}

/** How to run this same CLI from the user's shell: the built bin when there is one, else tsx. */
function cliCommand(): string {
  const bin = join(ROOT, 'bin', 'thriftgate.js')
  const fromDist = here.includes(`${join('dist', 'cli')}`)
  const rel = (p: string): string => relative(process.cwd(), p) || '.'
  if (fromDist && existsSync(bin)) return `node ${rel(bin)}`
  return `node --import tsx ${rel(join(ROOT, 'proxy', 'cli', 'main.ts'))}`
}

export const demoCommand: CommandModule<object, Args> = {
  command: 'demo',
  describe: 'Run a demo UserService with thriftgate in front of it (what `npm start` does)',
  builder: (y) =>
    y
      .option('listen', { type: 'string', default: '127.0.0.1:9090', describe: 'Where the proxy listens (port 0 = any free port)' })
      .option('admin', { type: 'string', default: '127.0.0.1:9464', describe: 'Admin HTTP (/metrics, /healthz, /readyz)' })
      .option('users', { type: 'number', default: 10_000, describe: 'Users seeded into the demo store' })
      .option('latency-ms', { type: 'number', default: 20, describe: 'Artificial latency of every upstream call' })
      .option('scan-latency-ms', { type: 'number', default: 100, describe: 'Extra latency of the scanning lookups (getUserByEmail, listUsersByAge)' })
      .option('log-level', { type: 'string', choices: [...LOG_LEVELS], default: 'warn', describe: 'Proxy log level (JSON lines on stdout)' }),
  handler: async (argv) => {
    // Loaded on use so that other commands do not pay for the proxy, cache, index and demo service.
    const [{ exitOnFatalErrors, exitOnSignals, startGateway }, { startDemoUpstream }] = await Promise.all([import('../gateway.js'), import('../../demo/index.js')])
    const upstream = await startDemoUpstream({ seed: argv.users, latencyMs: argv['latency-ms'], scanLatencyMs: argv['scan-latency-ms'] })
    // The demo's index store lives in a temp dir: a fresh index each run, nothing written into the package.
    const indexDir = mkdtempSync(join(tmpdir(), 'thriftgate-demo-index-'))
    process.once('exit', () => rmSync(indexDir, { recursive: true, force: true }))
    const flags: Override[] = [
      { path: ['upstream'], value: `127.0.0.1:${upstream.port}`, origin: 'demo upstream' },
      { path: ['listen'], value: argv.listen, origin: '--listen' },
      { path: ['admin'], value: argv.admin, origin: '--admin' },
      { path: ['log', 'level'], value: argv['log-level'], origin: '--log-level' },
      { path: ['index', 'path'], value: indexDir, origin: 'demo' },
    ]
    let gateway
    try {
      const config = loadConfig({ file: DEMO_CONFIG, flags, env: {} })
      const logger = createLogger({ level: config.log.level })
      gateway = await startGateway(config, logger)
      exitOnSignals(gateway, logger)
      exitOnFatalErrors(logger)
      process.once('exit', () => void upstream.close())
    } catch (err) {
      await upstream.close()
      const hint = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? '\n(a port is taken: try --listen 127.0.0.1:0 --admin 127.0.0.1:0)' : ''
      process.stderr.write(`${describeFailure(err)}${hint}\n`)
      process.exitCode = 1
      return
    }
    const proxy = formatHostPort(gateway.listen)
    const admin = `http://${formatHostPort(gateway.adminAddress)}`
    process.stdout.write(
      [
        '',
        'thriftgate demo is running.',
        '',
        `  demo UserService   127.0.0.1:${upstream.port}  (${argv.users} users; every call +${argv['latency-ms']} ms; getUserByEmail and listUsersByAge scan, +${argv['scan-latency-ms']} ms)`,
        `  thriftgate proxy   ${proxy}  <- point Thrift clients here (framed, binary: the demo service's dialect)`,
        `  admin              ${admin}/metrics  ${admin}/readyz  ${admin}/healthz`,
        `  config             ${relative(process.cwd(), DEMO_CONFIG)}`,
        `  features           ${gateway.plugins.length > 0 ? gateway.plugins.join(', ') : 'forwarding only'}`,
        '',
        'Make calls through the proxy (in another terminal):',
        '',
        `  ${cliCommand()} demo-client --port ${gateway.listen.port} getUser 42 getUser 42 getUserByEmail user42@example.com countUsers`,
        '',
        'A write invalidates what it changes before its reply (the next getUser is a miss, then a hit again):',
        '',
        `  ${cliCommand()} demo-client --port ${gateway.listen.port} getUser 7 getUser 7 putUser '{"id":7,"name":"Ada","email":"user7@example.com","age":36}' getUser 7 getUser 7`,
        '',
        'Secondary lookups come from the index (built on start; the upstream scans, the index does not):',
        '',
        `  ${cliCommand()} demo-client --port ${gateway.listen.port} getUserByEmail user42@example.com listUsersByAge 30 31 5`,
        `  curl ${admin}/index/stats        (hits, fallbacks, entries, authoritative, bytes on disk)`,
        '',
        'Inspect or purge a cache entry through the admin port:',
        '',
        `  curl '${admin}/cache/entry?method=getUser&args={"id":7}'`,
        `  curl -X POST ${admin}/cache/purge -d '{"method":"getUser","args":{"id":7}}'`,
        '',
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    )
  },
}
