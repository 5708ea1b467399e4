// A UserService backend on a real PostgreSQL table, for the index bench: the primary key on id and
// NO index on email or age, so getUser is a primary-key read while getUserByEmail and
// listUsersByAge are what a service with an unindexed column really does (a sequential scan, or
// a walk of the primary key filtering rows). Seeded with the same users as the in-memory store.
// `padBytes` adds a column the service never reads (real user tables are wider than what one RPC
// returns): scans of unindexed columns slow down with the row width; primary-key reads do not.
// Connection settings come from a URL or the usual PG* environment variables (pg's defaults).
import pg from 'pg'
import { MAX_SEED_AGE, MIN_SEED_AGE, type User, type UserBackend } from '../../proxy/demo/index.js'

interface Row {
  id: string
  name: string
  email: string
  age: number
  tags: string[] | null
}

const COLUMNS = 'id, name, email, age, tags'
const toUser = (r: Row): User => ({ id: BigInt(r.id), name: r.name, email: r.email, age: r.age, tags: r.tags ?? undefined })

export class PgUserStore implements UserBackend {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
  ) {}

  /**
   * Creates (replacing) `table` with users 1..n, seeded in the database itself (seedUser's
   * formulas in SQL), then analyzed so the planner knows its size. `poolSize` connections.
   */
  static async create(opts: { url?: string | undefined; table: string; seed: number; poolSize?: number; padBytes?: number }): Promise<PgUserStore> {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.table)) throw new Error(`bad table name ${JSON.stringify(opts.table)}`)
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 8 })
    const t = opts.table
    const span = MAX_SEED_AGE - MIN_SEED_AGE + 1
    try {
      await pool.query(`DROP TABLE IF EXISTS ${t}`)
      await pool.query(`CREATE TABLE ${t} (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, age int NOT NULL, tags text[], pad text)`)
      // The pad is md5 text (incompressible enough that it is stored at its size, inline under ~2 KiB).
      await pool.query(
        `INSERT INTO ${t} SELECT i, 'User ' || i, 'user' || i || '@example.com', ${MIN_SEED_AGE} + (i * 37) % ${span},
           CASE WHEN i % 4 = 0 THEN ARRAY['group' || (i % 3)] END,
           CASE WHEN $2::int > 0 THEN left(repeat(md5(i::text), ($2::int + 31) / 32), $2::int) END
         FROM generate_series(1, $1::bigint) AS i`,
        [opts.seed, opts.padBytes ?? 0],
      )
      await pool.query(`VACUUM ANALYZE ${t}`)
    } catch (err) {
      await pool.end()
      throw err
    }
    return new PgUserStore(pool, t)
  }

  async get(id: bigint): Promise<User | undefined> {
    const r = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`, [id.toString()])
    return r.rows[0] === undefined ? undefined : toUser(r.rows[0])
  }

  async findByEmail(email: string): Promise<User | undefined> {
    // No ORDER BY: the lowest id is picked here, so the planner has no reason to walk the key.
    const r = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE email = $1`, [email])
    let best: Row | undefined
    for (const row of r.rows) if (best === undefined || BigInt(row.id) < BigInt(best.id)) best = row
    return best === undefined ? undefined : toUser(best)
  }

  async listByAge(lo: number, hi: number, limit: number): Promise<User[]> {
    const r = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE age BETWEEN $1 AND $2 ORDER BY id LIMIT $3`, [lo, hi, limit > 0 ? limit : null])
    return r.rows.map(toUser)
  }

  async put(u: User): Promise<User> {
    const r = await this.pool.query<Row>(
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, age = EXCLUDED.age, tags = EXCLUDED.tags RETURNING ${COLUMNS}`,
      [u.id.toString(), u.name, u.email, u.age, u.tags ?? null],
    )
    return toUser(r.rows[0]!)
  }

  async delete(id: bigint): Promise<boolean> {
    const r = await this.pool.query(`DELETE FROM ${this.table} WHERE id = $1`, [id.toString()])
    return (r.rowCount ?? 0) > 0
  }

  async scan(afterId: bigint, limit: number): Promise<{ users: User[]; nextAfter: bigint | undefined }> {
    // One row more than asked: whether more remain (nextAfter), as the in-memory store reports.
    const r = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE id > $1 ORDER BY id LIMIT $2`, [afterId.toString(), limit > 0 ? limit + 1 : null])
    const more = limit > 0 && r.rows.length > limit
    const users = (more ? r.rows.slice(0, limit) : r.rows).map(toUser)
    return { users, nextAfter: more ? users[users.length - 1]!.id : undefined }
  }

  async count(): Promise<number> {
    const r = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table}`)
    return Number(r.rows[0]!.n)
  }

  /** Drops the table and closes the pool. */
  async close(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.table}`).catch(() => undefined)
    await this.pool.end()
  }
}
