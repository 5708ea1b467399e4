// The bench's upstream in its own process: the demo UserService (thrift library) with N users,
// either in memory (getUserByEmail and listUsersByAge scan every user object) or in a PostgreSQL
// table with no index on email or age (they are real scans of unindexed columns).
//   upstream.ts <users> [memory|postgres] [postgres URL; '': the PG* environment variables] [pad bytes per row]
import { startDemoUpstream } from '../../proxy/demo/index.js'
import { PgUserStore } from './pg-user-store.js'

const users = Number(process.argv[2])
const kind = process.argv[3] ?? 'memory'
if (kind !== 'memory' && kind !== 'postgres') throw new Error(`store must be memory or postgres, not ${kind}`)
const pg = kind === 'postgres' ? await PgUserStore.create({ url: process.argv[4] || undefined, table: `tg_bench_users_${process.pid}`, seed: users, padBytes: Number(process.argv[5] ?? 0) }) : undefined
const up = await startDemoUpstream({ seed: users, backend: pg, transport: 'framed', protocol: 'binary' })
process.send?.({ port: up.port })
process.on('disconnect', () => void up.close().then(() => pg?.close()).then(() => process.exit(0)))
