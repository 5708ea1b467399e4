// A UserService backend on a real MariaDB (InnoDB) table, for the index bench: the same shape as
// the PostgreSQL store (pg-user-store.ts), a second real relational upstream. The primary key on
// id and NO index on email or age, so getUser is a clustered primary-key read while getUserByEmail
// and listUsersByAge scan the table (InnoDB: a walk of the clustered index filtering rows).
// Seeded with seedUser's users, sent in multi-row INSERTs; `padBytes` adds a column the service
// never reads (real user tables are wider than what one RPC returns), the same md5 text as the
// PostgreSQL store's, inline in the row while it fits in half an InnoDB page.
// Text compares binary (utf8mb4_bin): email equality is exact, as in PostgreSQL, not the server's
// default case- and trailing-space-insensitive collation.
import { createHash } from 'node:crypto'
import mysql from 'mysql2/promise'
import { seedUser, type User, type UserBackend } from '../../proxy/demo/index.js'

interface Row {
  id: string
  name: string
  email: string
  age: number
  // mysql2 parses the column when the server marks it JSON (MariaDB does, for its JSON alias of LONGTEXT).
  tags: string[] | string | null
}

const COLUMNS = 'id, name, email, age, tags'
// BIGINT comes back as a decimal string (bigNumberStrings), never rounded through number.
const toUser = (r: Row): User => ({ id: BigInt(r.id), name: r.name, email: r.email, age: r.age, tags: r.tags === null ? undefined : typeof r.tags === 'string' ? (JSON.parse(r.tags) as string[]) : r.tags })
const tagsJson = (u: User): string | null => (u.tags === undefined ? null : JSON.stringify(u.tags))
const pad = (i: number, bytes: number): string | null => (bytes > 0 ? createHash('md5').update(String(i)).digest('hex').repeat(Math.ceil(bytes / 32)).slice(0, bytes) : null)

/** Bytes of row values per INSERT statement: well under the server's default max_allowed_packet (16 MiB). */
const INSERT_CHUNK_BYTES = 4 * 1024 * 1024

export class MariaDbUserStore implements UserBackend {
  private constructor(
    private readonly pool: mysql.Pool,
    private readonly table: string,
  ) {}

  /**
   * Creates (replacing) `table` with users 1..n (seedUser), loaded in multi-row INSERTs of about
   * INSERT_CHUNK_BYTES each, in id order (appends to the clustered index), then analyzed so the
   * optimizer knows its size. `poolSize` connections.
   */
  static async create(opts: { url: string; table: string; seed: number; poolSize?: number; padBytes?: number }): Promise<MariaDbUserStore> {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.table)) throw new Error(`bad table name ${JSON.stringify(opts.table)}`)
    const pool = mysql.createPool({ uri: opts.url, connectionLimit: opts.poolSize ?? 8, supportBigNumbers: true, bigNumberStrings: true })
    const t = opts.table
    const padBytes = opts.padBytes ?? 0
    try {
      await pool.query(`DROP TABLE IF EXISTS ${t}`)
      await pool.query(
        `CREATE TABLE ${t} (id BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INT NOT NULL, tags JSON NULL, pad TEXT NULL)
         ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      )
      let rows: unknown[][] = []
      let bytes = 0
      const flush = async (): Promise<void> => {
        if (rows.length > 0) await pool.query(`INSERT INTO ${t} (${COLUMNS}, pad) VALUES ?`, [rows])
        rows = []
        bytes = 0
      }
      for (let i = 1; i <= opts.seed; i++) {
        const u = seedUser(i)
        rows.push([u.id, u.name, u.email, u.age, tagsJson(u), pad(i, padBytes)])
        bytes += 64 + padBytes // about the escaped length of one row's values
        if (bytes >= INSERT_CHUNK_BYTES) await flush()
      }
      await flush()
      await pool.query(`ANALYZE TABLE ${t}`)
    } catch (err) {
      await pool.end()
      throw err
    }
    return new MariaDbUserStore(pool, t)
  }

  private async rows(sql: string, params: unknown[]): Promise<Row[]> {
    const [rows] = await this.pool.query<Array<Row & mysql.RowDataPacket>>(sql, params)
    return rows
  }

  async get(id: bigint): Promise<User | undefined> {
    const [r] = await this.rows(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = ?`, [id])
    return r === undefined ? undefined : toUser(r)
  }

  async findByEmail(email: string): Promise<User | undefined> {
    // No ORDER BY (as in the PostgreSQL store): the lowest id is picked here.
    let best: Row | undefined
    for (const row of await this.rows(`SELECT ${COLUMNS} FROM ${this.table} WHERE email = ?`, [email])) if (best === undefined || BigInt(row.id) < BigInt(best.id)) best = row
    return best === undefined ? undefined : toUser(best)
  }

  async listByAge(lo: number, hi: number, limit: number): Promise<User[]> {
    // MariaDB has no LIMIT NULL: no LIMIT clause at all when limit ≤ 0 (no limit).
    const sql = `SELECT ${COLUMNS} FROM ${this.table} WHERE age BETWEEN ? AND ? ORDER BY id${limit > 0 ? ' LIMIT ?' : ''}`
    return (await this.rows(sql, limit > 0 ? [lo, hi, limit] : [lo, hi])).map(toUser)
  }

  async put(u: User): Promise<User> {
    // MariaDB's upsert; RETURNING gives back the row as stored, as PostgreSQL's does.
    const [r] = await this.rows(
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES (?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE name = VALUES(name), email = VALUES(email), age = VALUES(age), tags = VALUES(tags) RETURNING ${COLUMNS}`,
      [u.id, u.name, u.email, u.age, tagsJson(u)],
    )
    return toUser(r!)
  }

  async delete(id: bigint): Promise<boolean> {
    const [r] = await this.pool.query<mysql.ResultSetHeader>(`DELETE FROM ${this.table} WHERE id = ?`, [id])
    return r.affectedRows > 0
  }

  async scan(afterId: bigint, limit: number): Promise<{ users: User[]; nextAfter: bigint | undefined }> {
    // One row more than asked: whether more remain (nextAfter), as the in-memory store reports.
    const sql = `SELECT ${COLUMNS} FROM ${this.table} WHERE id > ? ORDER BY id${limit > 0 ? ' LIMIT ?' : ''}`
    const rows = await this.rows(sql, limit > 0 ? [afterId, limit + 1] : [afterId])
    const more = limit > 0 && rows.length > limit
    const users = (more ? rows.slice(0, limit) : rows).map(toUser)
    return { users, nextAfter: more ? users[users.length - 1]!.id : undefined }
  }

  async count(): Promise<number> {
    const [[r]] = await this.pool.query<Array<{ n: string } & mysql.RowDataPacket>>(`SELECT COUNT(*) AS n FROM ${this.table}`)
    return Number(r!.n)
  }

  /** Drops the table and closes the pool. */
  async close(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.table}`).catch(() => undefined)
    await this.pool.end()
  }
}
