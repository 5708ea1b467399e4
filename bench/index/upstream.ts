// The bench's upstream in its own process: the demo UserService (thrift library) with N users,
// either in memory (getUserByEmail and listUsersByAge scan every user object) or in a PostgreSQL
// or MariaDB table with no index on email or age (they are real scans of unindexed columns).
//   upstream.ts <users> [memory|postgres|mariadb] [the store's URL; postgres '': the PG* environment variables] [pad bytes per row]
import { startDemoUpstream, type UserBackend } from '../../proxy/demo/index.js'
import { MariaDbUserStore } from './mariadb-user-store.js'
import { PgUserStore } from './pg-user-store.js'

const users = Number(process.argv[2])
const kind = process.argv[3] ?? 'memory'
const url = process.argv[4] ?? ''
const padBytes = Number(process.argv[5] ?? 0)
const table = `tg_bench_users_${process.pid}`
let db: (UserBackend & { close(): Promise<void> }) | undefined
if (kind === 'postgres') db = await PgUserStore.create({ url: url || undefined, table, seed: users, padBytes })
else if (kind === 'mariadb') db = await MariaDbUserStore.create({ url, table, seed: users, padBytes })
else if (kind !== 'memory') throw new Error(`store must be memory, postgres or mariadb, not ${kind}`)
const up = await startDemoUpstream({ seed: users, backend: db, transport: 'framed', protocol: 'binary' })
process.send?.({ port: up.port })
process.on('disconnect', () => void up.close().then(() => db?.close()).then(() => process.exit(0)))
