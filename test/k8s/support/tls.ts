// A self-signed certificate for 127.0.0.1/localhost, made at test time with the openssl CLI (node:crypto
// cannot issue X.509 certificates). The test client trusts exactly this certificate, as the API server
// trusts the webhook's caBundle.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TestCert {
  certFile: string
  keyFile: string
  cert: Buffer
}

export function makeCert(dir: string, name = 'tls'): TestCert {
  const certFile = join(dir, `${name}.crt`)
  const keyFile = join(dir, `${name}.key`)
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=thriftgate-webhook-test',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
  } catch (err) {
    throw new Error('the webhook tests need the openssl command (apt-get install openssl) to make a test certificate', { cause: err })
  }
  return { certFile, keyFile, cert: readFileSync(certFile) }
}
