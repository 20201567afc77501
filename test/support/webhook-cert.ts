// A CA and a serving certificate for 127.0.0.1, for gatewright's validating webhook in the e2e tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServingCertificate {
  cert: string;
  key: string;
  ca: string;
  /** The folder holding tls.crt, tls.key and ca.crt. */
  dir: string;
}

/** A CA and a serving certificate for 127.0.0.1, made with the openssl CLI. */
export function servingCertificate(): ServingCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'gatewright-webhook-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key']
    .concat(['-out', 'ca.crt', '-subj', '/CN=gatewright-webhook-test-ca', '-days', '2'])
    .concat(['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']));
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr']
    .concat(['-subj', '/CN=127.0.0.1']));
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2']
    .concat(['-extfile', 'ext', '-out', 'tls.crt']));
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { cert: read('tls.crt'), key: read('tls.key'), ca: read('ca.crt'), dir };
} // prettier-ignore
