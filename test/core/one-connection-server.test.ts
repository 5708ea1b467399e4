// Why each client gets its own upstream connection, shown with an independent peer: Python's
// TSimpleServer (Debian's python3-thrift) serves one connection at a time. Through thriftgate a
// second client waits exactly as it would direct, and is served as soon as the first leaves; had the
// proxy shared or pooled upstream connections, the clients' calls would mix on the one connection the
// server is serving (and a pooled idle connection would block everyone).
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'
import { connectInteropClient } from '../support/thrift-peers.js'
import { sleep } from '../support/net.js'
import { tempDir } from '../support/tmp.js'
import { startProxy } from './harness.js'

const PYTHON = '/usr/bin/python3'

const SERVER = `
import sys
sys.path.insert(0, sys.argv[1])
from interop import Interop
from thrift.transport import TSocket, TTransport
from thrift.protocol import TBinaryProtocol
from thrift.server import TServer

class Handler:
    def ping(self):
        pass
    def add(self, a, b):
        return a + b
    def echoString(self, s):
        return s

sock = TSocket.TServerSocket(host='127.0.0.1', port=0)
sock.listen()
print(sock.handle.getsockname()[1], flush=True)
sock.listen = lambda: None  # TSimpleServer.serve() listens again: keep the socket bound above
TServer.TSimpleServer(Interop.Processor(Handler()), sock, TTransport.TBufferedTransportFactory(),
                      TBinaryProtocol.TBinaryProtocolFactory()).serve()
`

async function startPythonServer(): Promise<{ port: number; proc: ChildProcess }> {
  const dir = tempDir('thriftgate-py-')
  execFileSync('thrift', ['--gen', 'py', '-out', dir.path, 'test/idl/interop.thrift'])
  const script = join(dir.path, 'server.py')
  writeFileSync(script, SERVER)
  const proc = spawn(PYTHON, [script, dir.path], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = (await once(proc.stdout!, 'data')) as [Buffer]
  const port = Number(line.toString().trim())
  if (!Number.isInteger(port) || port <= 0) throw new Error(`python server did not report a port: ${line.toString()}`)
  return { port, proc }
}

const cleanup: (() => Promise<unknown> | void)[] = []
after(async () => {
  for (const f of cleanup.reverse()) await f()
})

describe('an upstream that serves one connection at a time (python TSimpleServer)', () => {
  test('the second client waits while the first is connected, then is served; answers are right', async () => {
    const py = await startPythonServer()
    cleanup.push(() => void py.proc.kill())
    const p = await startProxy(py.port)
    cleanup.push(() => p.close())
    const d = { transport: 'buffered', protocol: 'binary' } as const
    const first = await connectInteropClient(p.port, d)
    cleanup.push(() => first.close())
    assert.equal(await first.add(1, 2), 3)

    const second = await connectInteropClient(p.port, d)
    cleanup.push(() => second.close())
    let answered = false
    const waiting = second.add(2, 2).then((v) => {
      answered = true
      return v
    })
    await sleep(200)
    assert.equal(answered, false, 'served only after the first client leaves, as direct')
    assert.equal(await first.echoString('still mine'), 'still mine')
    await first.close()
    assert.equal(await waiting, 4)
    assert.equal(await second.echoString('now mine'), 'now mine')
  })
})
