#!/usr/bin/env node
// The local control plane from the command line: `up` (start it and leave it running), `down`, `status`.
// Built with `tsc -p tsconfig.harness.json`; run as `node dist-test/test/harness/cli.js <command>`.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  isControlPlaneAlive,
  listRuns,
  startControlPlane,
  stopRecordedControlPlane,
  sweepAbandonedRuns,
  type ControlPlaneState,
} from './control-plane.js';
import { httpCall } from './http.js';
import { binDir, clusterDir } from './paths.js';

const stderr = (message: string) => process.stderr.write(message + '\n');

/** `.cluster/state.json`: the state of the control plane `up` started, if any. */
function readClusterState(): ControlPlaneState | undefined {
  try {
    return JSON.parse(readFileSync(join(clusterDir(), 'state.json'), 'utf8')) as ControlPlaneState;
  } catch {
    return undefined;
  }
}

function forgetCluster(): void {
  for (const file of ['state.json', 'kubeconfig', 'e2e-env.json']) rmSync(join(clusterDir(), file), { force: true });
}

function howToUse(kubeconfig: string): string {
  const rel = relative(process.cwd(), kubeconfig) || kubeconfig;
  const kubectl = relative(process.cwd(), join(binDir(), 'kubectl')) || 'kubectl';
  return [
    'Point kubectl at it:',
    `  export KUBECONFIG=${kubeconfig}`,
    `  ${kubectl} get namespaces`,
    `or: ${kubectl} --kubeconfig ${rel} get constrainttemplates`,
    'Stop it with `make cluster-down`.',
  ].join('\n');
}

async function up(): Promise<number> {
  const existing = readClusterState();
  if (existing !== undefined) {
    if (isControlPlaneAlive(existing)) {
      stderr(`a control plane is already running (API server ${existing.apiServerUrl}).`);
      stderr(howToUse(join(clusterDir(), 'kubeconfig')));
      return 0;
    }
    stderr('the previous control plane is gone; cleaning up its state');
    await stopRecordedControlPlane(existing);
    forgetCluster();
  }
  const plane = await startControlPlane({ outliveParent: true, log: (m) => stderr(`  ${m}`) });
  mkdirSync(clusterDir(), { recursive: true });
  const kubeconfig = join(clusterDir(), 'kubeconfig');
  copyFileSync(plane.kubeconfigPath, kubeconfig);
  writeFileSync(join(clusterDir(), 'state.json'), JSON.stringify(plane.state, null, 2) + '\n');
  const total = Object.values(plane.state.timings).reduce((a, b) => Math.max(a, b), 0);
  stderr(
    `control plane up in ${(total / 1000).toFixed(1)} s: API server ${plane.state.apiServerUrl}, logs in ${plane.state.stateDir}`,
  );
  process.stdout.write(howToUse(kubeconfig) + '\n');
  return 0;
}

async function down(): Promise<number> {
  const existing = readClusterState();
  if (existing !== undefined) {
    await stopRecordedControlPlane(existing);
    stderr(`stopped the control plane at ${existing.apiServerUrl}`);
  } else {
    stderr('no control plane recorded in .cluster/');
  }
  forgetCluster();
  // Also clean up after test runs that were killed before their teardown ran.
  await sweepAbandonedRuns(undefined, stderr);
  return 0;
}

async function probe(url: string, tls?: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<string> {
  try {
    const res = await httpCall(url, { timeoutMs: 2000, ...(tls ? { tls } : {}) });
    return res.status === 200 ? 'ready' : `not ready (HTTP ${res.status})`;
  } catch (err) {
    return `unreachable (${(err as Error).message})`;
  }
}

async function status(): Promise<number> {
  const state = readClusterState();
  let healthy = false;
  if (state === undefined) {
    process.stdout.write('no control plane started by `up` (.cluster/state.json is absent)\n');
  } else {
    const pki = join(state.stateDir, 'pki');
    let tls: { ca: Buffer; cert: Buffer; key: Buffer } | undefined;
    try {
      tls = {
        ca: readFileSync(join(pki, 'ca.crt')),
        cert: readFileSync(join(pki, 'admin.crt')),
        key: readFileSync(join(pki, 'admin.key')),
      };
    } catch {
      tls = undefined;
    }
    const processes = state.processes.map((p) => `${p.name} (pid ${p.pid})`).join(', ');
    const apiServer = await probe(`${state.apiServerUrl}/readyz`, tls);
    const gatekeeper = await probe(`${state.gatekeeper.healthUrl}/readyz`);
    healthy = isControlPlaneAlive(state) && apiServer === 'ready' && gatekeeper === 'ready';
    process.stdout.write(
      [
        `control plane: ${healthy ? 'running' : 'NOT healthy'} (started ${state.startedAt})`,
        `  processes:  ${processes} — ${isControlPlaneAlive(state) ? 'all alive' : 'some are gone'}`,
        `  API server: ${state.apiServerUrl} ${apiServer}`,
        `  Gatekeeper: webhook ${state.gatekeeper.webhookUrl}, health ${gatekeeper}`,
        `  kubeconfig: ${join(clusterDir(), 'kubeconfig')}`,
        `  logs:       ${state.stateDir}/*.log`,
      ].join('\n') + '\n',
    );
  }
  for (const { state: run, abandoned } of listRuns()) {
    if (state !== undefined && run.stateDir === state.stateDir) continue;
    const owner = run.ownerPid === null ? 'no owner' : `owner pid ${run.ownerPid}`;
    process.stdout.write(
      `other run: ${run.stateDir} (${owner}${abandoned ? ', abandoned: `down` cleans it up' : ''})\n`,
    );
  }
  return state === undefined || healthy ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  switch (command) {
    case 'up':
      return up();
    case 'down':
      return down();
    case 'status':
      return status();
    default:
      stderr('usage: cli.js up | down | status');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    stderr(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
