// `thriftgate cache purge|inspect|stats`: the read cache's admin operations, through a running
// proxy's admin port (docs/caching.md, "Operating it"). Arguments are JSON with IDL field names.
//   thriftgate cache purge --method getUser --args '{"id":42}'
//   thriftgate cache purge --method countUsers        (every entry of a method)
//   thriftgate cache purge --service UserService      (a whole service)   --all (everything)
//   thriftgate cache inspect --method getUser --args '{"id":42}'
import type { Argv, CommandModule } from 'yargs'

interface Args {
  action: string
  admin: string
  token?: string
  service?: string
  method?: string
  args?: string
  all?: boolean
}

async function call(argv: Args): Promise<{ status: number; body: string }> {
  const base = /^https?:\/\//.test(argv.admin) ? argv.admin : `http://${argv.admin}`
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (argv.token !== undefined && argv.token !== '') headers.authorization = `Bearer ${argv.token}`
  let args: unknown
  if (argv.args !== undefined) {
    try {
      args = JSON.parse(argv.args)
    } catch (err) {
      return { status: 0, body: `--args is not JSON: ${(err as Error).message}` }
    }
  }
  let res: Response
  if (argv.action === 'purge') {
    const body = argv.all === true ? { all: true } : { service: argv.service, method: argv.method, args }
    res = await fetch(`${base}/cache/purge`, { method: 'POST', headers, body: JSON.stringify(body) })
  } else if (argv.action === 'inspect') {
    const q = new URLSearchParams()
    if (argv.service !== undefined) q.set('service', argv.service)
    if (argv.method !== undefined) q.set('method', argv.method)
    q.set('args', JSON.stringify(args ?? {}))
    res = await fetch(`${base}/cache/entry?${q.toString()}`, { headers })
  } else {
    res = await fetch(`${base}/cache/stats`, { headers })
  }
  return { status: res.status, body: await res.text() }
}

export const cacheCommand: CommandModule<object, Args> = {
  command: 'cache <action>',
  describe: 'Purge or inspect read-cache entries of a running proxy (through its admin port)',
  builder: (y: Argv) =>
    y
      .positional('action', { type: 'string', choices: ['purge', 'inspect', 'stats'], demandOption: true })
      .option('admin', { type: 'string', default: process.env.THRIFTGATE_ADMIN ?? '127.0.0.1:9464', describe: 'The proxy admin address' })
      .option('token', { type: 'string', default: process.env.THRIFTGATE_ADMIN_TOKEN, describe: 'Admin token (THRIFTGATE_ADMIN_TOKEN)' })
      .option('service', { type: 'string', describe: 'Service name (optional when the config has one)' })
      .option('method', { type: 'string', describe: 'Read method' })
      .option('args', { type: 'string', describe: 'Arguments as JSON with IDL names, e.g. \'{"id":42}\'' })
      .option('all', { type: 'boolean', describe: 'purge: everything' })
      .example('$0 cache purge --method getUser --args \'{"id":42}\'', 'Purge one entry')
      .example('$0 cache inspect --method getUser --args \'{"id":42}\'', 'Tier, age, TTL and size of one entry') as unknown as Argv<Args>,
  handler: async (argv) => {
    try {
      const r = await call(argv)
      if (r.status >= 200 && r.status < 300) process.stdout.write(r.body.endsWith('\n') ? r.body : `${r.body}\n`)
      else {
        process.stderr.write(`${r.status === 0 ? '' : `admin answered ${r.status}: `}${r.body}\n`)
        process.exitCode = 1
      }
    } catch (err) {
      process.stderr.write(`cannot reach the admin port ${argv.admin}: ${(err as Error).message}\n`)
      process.exitCode = 1
    }
  },
}
