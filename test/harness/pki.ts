import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM file paths of one certificate and its key. */
export interface KeyPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  /** One CA signs everything: serving certs, client certs; the API server trusts it for client auth. */
  ca: KeyPair;
  apiServer: KeyPair;
  admin: KeyPair;
  gatekeeperClient: KeyPair;
  gatekeeperWebhook: KeyPair;
  /** Service-account token signing key (`key`) and its public half (`cert` holds the public key PEM). */
  serviceAccount: KeyPair;
}

const OPENSSL = process.env.OPENSSL ?? '/usr/bin/openssl';
// Test certificates only need to outlive a test run or a `cluster-up` session; a week keeps `up` usable for a while.
const VALIDITY_DAYS = '7';

function openssl(args: string[], cwd: string): void {
  execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(path: string, cwd: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path], cwd);
}

interface LeafSpec {
  name: string;
  subject: string;
  extendedKeyUsage: 'serverAuth' | 'clientAuth' | 'serverAuth,clientAuth';
  dnsNames?: string[];
  ipAddresses?: string[];
}

function issueLeaf(dir: string, ca: KeyPair, spec: LeafSpec): KeyPair {
  const key = join(dir, `${spec.name}.key`);
  const cert = join(dir, `${spec.name}.crt`);
  const csr = join(dir, `${spec.name}.csr`);
  const ext = join(dir, `${spec.name}.ext`);
  newKey(key, dir);
  openssl(['req', '-new', '-key', key, '-subj', spec.subject, '-out', csr], dir);
  const sans = [...(spec.dnsNames ?? []).map((d) => `DNS:${d}`), ...(spec.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${spec.extendedKeyUsage}`,
    ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
  ];
  writeFileSync(ext, lines.join('\n') + '\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-days',
      VALIDITY_DAYS,
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ],
    dir,
  );
  return { cert, key };
}

/** Generates every key and certificate the control plane needs, with the openssl CLI, into `dir`. */
export function generatePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca: KeyPair = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  newKey(ca.key, dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      ca.key,
      '-subj',
      '/CN=gatewright-test-ca',
      '-days',
      VALIDITY_DAYS,
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      '-out',
      ca.cert,
    ],
    dir,
  );
  const loopback = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const apiServer = issueLeaf(dir, ca, {
    name: 'apiserver',
    subject: '/CN=kube-apiserver',
    extendedKeyUsage: 'serverAuth',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1', '10.0.0.1'],
  });
  const admin = issueLeaf(dir, ca, {
    name: 'admin',
    subject: '/O=system:masters/CN=admin',
    extendedKeyUsage: 'clientAuth',
  });
  // Gatekeeper gets its own identity so its requests are told apart from the tests' in audit logs and managedFields.
  const gatekeeperClient = issueLeaf(dir, ca, {
    name: 'gatekeeper-client',
    subject: '/O=system:masters/CN=gatekeeper-manager',
    extendedKeyUsage: 'clientAuth',
  });
  const webhookDir = join(dir, 'gatekeeper-webhook');
  mkdirSync(webhookDir, { recursive: true });
  // Gatekeeper also presents this certificate to external data providers (mTLS); cert-controller adds clientAuth to
  // it when external data is enabled (gatekeeper main.go), so the harness does too.
  const webhookLeaf = issueLeaf(dir, ca, {
    name: 'gatekeeper-webhook',
    subject: '/CN=gatekeeper-webhook',
    extendedKeyUsage: 'serverAuth,clientAuth',
    ...loopback,
  });
  // Gatekeeper's --cert-dir expects exactly tls.crt / tls.key (and ca.crt).
  const gatekeeperWebhook: KeyPair = { cert: join(webhookDir, 'tls.crt'), key: join(webhookDir, 'tls.key') };
  writeFileSync(gatekeeperWebhook.cert, readFileSync(webhookLeaf.cert));
  writeFileSync(gatekeeperWebhook.key, readFileSync(webhookLeaf.key), { mode: 0o600 });
  writeFileSync(join(webhookDir, 'ca.crt'), readFileSync(ca.cert));

  const serviceAccount: KeyPair = { cert: join(dir, 'sa.pub'), key: join(dir, 'sa.key') };
  newKey(serviceAccount.key, dir);
  openssl(['pkey', '-in', serviceAccount.key, '-pubout', '-out', serviceAccount.cert], dir);
  return { dir, ca, apiServer, admin, gatekeeperClient, gatekeeperWebhook, serviceAccount };
}
