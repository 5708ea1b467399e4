// Raw TCP for tests that need exact bytes: a client socket (rawConnect), a server that hands out
// its accepted sockets (startRawServer), both wrapped so tests can await "n bytes" or "a predicate
// holds" with a timeout, and see when the peer closed.
import net from 'node:net'
import { LOOPBACK } from './net.js'

export interface RawConnection {
  readonly socket: net.Socket
  /** Writes and resolves once the bytes are handed to the OS. */
  send(buf: Buffer | Uint8Array): Promise<void>
  /**
   * Waits for bytes. A number: resolves with exactly that many bytes (consumed). A predicate over
   * everything received and not yet consumed: resolves with all of it (consumed) once it returns
   * true. Rejects on timeout or if the peer closes first (the message says how many bytes came).
   */
  readUntil(what: number | ((received: Buffer) => boolean), timeoutMs?: number): Promise<Buffer>
  /** Everything received and not yet consumed (consumes it). */
  take(): Buffer
  /** Total bytes received so far (consumed or not). */
  readonly bytesReceived: number
  /** Resolves when the socket has closed (either side, any reason). */
  readonly closed: Promise<void>
  /** True once the peer ended or the socket closed. */
  readonly isClosed: boolean
  end(): void
  destroy(): void
}

/** Wraps a socket; called for both client and accepted sockets. */
export function wrapSocket(socket: net.Socket): RawConnection {
  let chunks: Buffer[] = []
  let length = 0
  let total = 0
  let ended = false
  let wake: (() => void) | undefined
  socket.setNoDelay(true)
  socket.on('data', (d: Buffer) => {
    chunks.push(d)
    length += d.length
    total += d.length
    wake?.()
  })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      ended = true
      wake?.()
      resolve()
    }),
  )
  socket.once('end', () => {
    ended = true
    wake?.()
  })
  const joined = (): Buffer => {
    if (chunks.length > 1) chunks = [Buffer.concat(chunks, length)]
    return chunks[0] ?? Buffer.alloc(0)
  }
  const consume = (n: number): Buffer => {
    const all = joined()
    const out = all.subarray(0, n)
    const rest = all.subarray(n)
    chunks = rest.length > 0 ? [rest] : []
    length = rest.length
    return out
  }
  return {
    socket,
    closed,
    get isClosed() {
      return ended
    },
    get bytesReceived() {
      return total
    },
    send(buf) {
      return new Promise((resolve, reject) => socket.write(buf, (err) => (err ? reject(err) : resolve())))
    },
    take() {
      return consume(length)
    },
    readUntil(what, timeoutMs = 5000) {
      const ready = (): boolean => (typeof what === 'number' ? length >= what : what(joined()))
      const finish = (): Buffer => consume(typeof what === 'number' ? what : length)
      if (ready()) return Promise.resolve(finish())
      return new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => {
          wake = undefined
          reject(new Error(`readUntil: timed out after ${timeoutMs}ms with ${length} unconsumed bytes`))
        }, timeoutMs)
        wake = () => {
          if (ready()) {
            wake = undefined
            clearTimeout(timer)
            resolve(finish())
          } else if (ended) {
            wake = undefined
            clearTimeout(timer)
            reject(new Error(`readUntil: connection closed with ${length} unconsumed bytes: ${joined().toString('hex')}`))
          }
        }
        if (ended) wake()
      })
    },
    end() {
      socket.end()
    },
    destroy() {
      socket.destroy()
    },
  }
}

/** Connects to 127.0.0.1:port (or host). */
export function rawConnect(port: number, host = LOOPBACK): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host })
    s.once('error', reject)
    s.once('connect', () => {
      s.off('error', reject)
      resolve(wrapSocket(s))
    })
  })
}

export interface RawServer {
  readonly port: number
  /** Accepted connections, in order. */
  readonly connections: RawConnection[]
  /** Resolves with the next accepted connection (or the i-th, counting from 0). */
  connection(index?: number, timeoutMs?: number): Promise<RawConnection>
  close(): Promise<void>
}

/** A TCP server on 127.0.0.1, port 0, that answers nothing by itself. */
export async function startRawServer(onConnection?: (c: RawConnection) => void): Promise<RawServer> {
  const connections: RawConnection[] = []
  const waiters: (() => void)[] = []
  const server = net.createServer((s) => {
    const c = wrapSocket(s)
    connections.push(c)
    onConnection?.(c)
    for (const w of waiters.splice(0)) w()
  })
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve))
  const addr = server.address() as net.AddressInfo
  return {
    port: addr.port,
    connections,
    connection(index = connections.length, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no connection #${index} within ${timeoutMs}ms`)), timeoutMs)
        const check = (): void => {
          const c = connections[index]
          if (c === undefined) {
            waiters.push(check)
            return
          }
          clearTimeout(timer)
          resolve(c)
        }
        check()
      })
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve())
        for (const c of connections) c.destroy()
      })
    },
  }
}
