// A throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with
// openssl in a temp dir removed at exit: nothing secret is committed, and every run has new keys.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../support/tmp.js'

export interface TestPki {
  readonly dir: string
  readonly ca: string
  readonly serverCert: string
  readonly serverKey: string
  readonly clientCert: string
  readonly clientKey: string
  /** A second CA that signed nothing here: trusting it alone must fail verification. */
  readonly otherCa: string
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

function selfSignedCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`], dir)
}

function signed(dir: string, name: string, cn: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext)
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir)
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.pem`, '-extfile', `${name}.ext`], dir)
}

export function makeTestPki(): TestPki {
  const dir = tempDir('thriftgate-pki-').path
  selfSignedCa(dir, 'ca')
  selfSignedCa(dir, 'other-ca')
  signed(dir, 'server', 'redis-test', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
  signed(dir, 'client', 'thriftgate-test', 'extendedKeyUsage=clientAuth\n')
  const f = (n: string): string => join(dir, n)
  return {
    dir,
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    otherCa: f('other-ca.pem'),
  }
}
