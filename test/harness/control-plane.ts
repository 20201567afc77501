import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import {
  GATEKEEPER_NAMESPACE,
  loadGatekeeperCrds,
  webhookConfigurations,
  type WebhookRule,
  webhookProbeNamespace,
} from './gatekeeper.js';
import { httpCall, type TlsClientOptions } from './http.js';
import { KubeTestClient, TEST_FIELD_MANAGER, waitFor, waitForCrdEstablished, WaitAborted } from './kube.js';
import { generatePki, type KeyPair, type Pki } from './pki.js';
import { freePorts } from './ports.js';
import {
  isPidAlive,
  isRecordedProcessAlive,
  ManagedProcess,
  stopRecordedProcess,
  type ProcessRecord,
} from './process.js';
import { toolPaths, type ToolPaths } from './paths.js';

export interface ControlPlaneOptions {
  /** Folder that holds one state dir per run; default `$TMPDIR/gatewright-cp`. */
  stateRoot?: string;
  /** Leave the processes running when this Node process exits (`cli up`). Default false: the harness owns them. */
  outliveParent?: boolean;
  /** Gatekeeper `--audit-interval` in seconds; short so audit results show up within a test. */
  auditIntervalSeconds?: number;
  /** Gatekeeper `--log-level`. */
  gatekeeperLogLevel?: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  /** Extra flags for the Gatekeeper manager. */
  gatekeeperArgs?: string[];
  /**
   * What Gatekeeper's validating webhook reviews, instead of every resource as its release manifest has it (DVP's
   * engine lists only the resources its constraints match).
   */
  gatekeeperWebhookRules?: WebhookRule[];
  /** Extra flags for kube-apiserver (a benchmark's audit log). */
  apiServerArgs?: string[];
  /** Upper bound for the whole start-up. */
  startTimeoutMs?: number;
  /** Progress messages (default: silent). */
  log?: (message: string) => void;
}

/** Everything a later process needs to use or clean up a running control plane; written as `harness.json`. */
export interface ControlPlaneState {
  version: 1;
  stateDir: string;
  kubeconfigPath: string;
  apiServerUrl: string;
  etcdUrl: string;
  gatekeeper: { webhookUrl: string; healthUrl: string; metricsUrl: string };
  processes: ProcessRecord[];
  /** The Node process that owns the processes and must stop them; null when they were left running on purpose. */
  ownerPid: number | null;
  startedAt: string;
  /** Milliseconds from start to each readiness milestone. */
  timings: Record<string, number>;
}

export interface ControlPlane {
  readonly state: ControlPlaneState;
  readonly kubeconfigPath: string;
  client(): KubeTestClient;
  /** Stops every process (Gatekeeper, API server, etcd) and removes the state dir. Safe to call twice. */
  stop(): Promise<void>;
}

const STATE_FILE = 'harness.json';
export const defaultStateRoot = (): string => join(tmpdir(), 'gatewright-cp');

/** Starts etcd, kube-apiserver and the Gatekeeper manager on loopback and waits until admission goes through Gatekeeper. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const stateRoot = opts.stateRoot ?? defaultStateRoot();
  mkdirSync(stateRoot, { recursive: true });
  await sweepAbandonedRuns(stateRoot, log);

  const tools = toolPaths();
  const started = Date.now();
  const deadline = started + (opts.startTimeoutMs ?? 120000);
  const remaining = () => Math.max(1000, deadline - Date.now());
  const stateDir = mkdtempSync(join(stateRoot, 'run-'));
  const [etcdClientPort, etcdPeerPort, apiPort, webhookPort, healthPort, metricsPort] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const state: ControlPlaneState = {
    version: 1,
    stateDir,
    kubeconfigPath: join(stateDir, 'kubeconfig'),
    apiServerUrl: `https://127.0.0.1:${apiPort}`,
    etcdUrl: `http://127.0.0.1:${etcdClientPort}`,
    gatekeeper: {
      webhookUrl: `https://127.0.0.1:${webhookPort}`,
      healthUrl: `http://127.0.0.1:${healthPort}`,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    },
    processes: [],
    // Owned by this process until ready, even for `up`, so an interrupted start-up is cleaned up like a crashed run.
    ownerPid: process.pid,
    startedAt: new Date(started).toISOString(),
    timings: {},
  };
  const saveState = () => writeFileSync(join(stateDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  saveState();

  const running: ManagedProcess[] = [];
  const mark = (milestone: string) => {
    state.timings[milestone] = Date.now() - started;
    log(`${milestone} after ${state.timings[milestone]} ms`);
  };
  const launch = (name: string, binary: string, args: string[], env?: NodeJS.ProcessEnv): ManagedProcess => {
    const dir = join(stateDir, name);
    mkdirSync(dir, { recursive: true });
    const proc = ManagedProcess.start(name, binary, args, join(stateDir, `${name}.log`), {
      cwd: dir,
      outliveParent: opts.outliveParent ?? false,
      ...(env ? { env } : {}),
    });
    running.push(proc);
    state.processes.push(proc.record);
    saveState();
    return proc;
  };
  /** Waits for `probe`, but gives up at once with the log tail if `proc` dies meanwhile. */
  const waitWhileRunning = <T>(
    proc: ManagedProcess,
    description: string,
    probe: () => Promise<T | undefined | false>,
  ) =>
    waitFor(
      description,
      async () => {
        if (!proc.running) throw new WaitAborted(proc.describeExit());
        return probe();
      },
      { timeoutMs: remaining(), intervalMs: 100 },
    );

  let stopping: Promise<void> | undefined;
  /** Stops everything once; later calls (a signal during a failing start, a second teardown) share that stop. */
  const stopAll = (keepState: boolean): Promise<void> =>
    (stopping ??= (async () => {
      removeExitHooks();
      // Gatekeeper first (it would log errors against a vanishing API server), then the API server, then etcd.
      for (const proc of [...running].reverse()) {
        const since = Date.now();
        await proc.stop();
        log(`stopped ${proc.record.name} in ${Date.now() - since} ms`);
      }
      if (keepState) log(`kept state and logs in ${stateDir}`);
      else rmSync(stateDir, { recursive: true, force: true });
    })());
  const stop = () => stopAll(process.env.GATEWRIGHT_KEEP_STATE === '1');
  let removeExitHooks = installExitHooks(running, stateDir, stop);

  try {
    const etcd = launch('etcd', tools.etcd, [
      '--name=gatewright',
      `--data-dir=${join(stateDir, 'etcd', 'data')}`,
      `--listen-client-urls=${state.etcdUrl}`,
      `--advertise-client-urls=${state.etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=gatewright=http://127.0.0.1:${etcdPeerPort}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    // Certificates are made while etcd starts.
    const pki = generatePki(join(stateDir, 'pki'));
    writeKubeconfig(state.kubeconfigPath, state.apiServerUrl, pki.ca, pki.admin, 'admin');
    const gatekeeperKubeconfig = join(stateDir, 'gatekeeper.kubeconfig');
    writeKubeconfig(gatekeeperKubeconfig, state.apiServerUrl, pki.ca, pki.gatekeeperClient, 'gatekeeper-manager');
    mark('pki');
    await waitWhileRunning(etcd, 'etcd /health', async () => {
      const res = await httpCall(`${state.etcdUrl}/health`, { timeoutMs: 1000 });
      return res.status === 200 && /"health":\s*"true"/.test(res.body);
    });
    mark('etcd ready');

    const apiServer = launch('kube-apiserver', tools.kubeApiserver, [
      ...apiServerArgs(state, pki, stateDir, apiPort),
      ...(opts.apiServerArgs ?? []),
    ]);
    const adminTls: TlsClientOptions = {
      ca: readFileSync(pki.ca.cert),
      cert: readFileSync(pki.admin.cert),
      key: readFileSync(pki.admin.key),
    };
    await waitWhileRunning(apiServer, 'kube-apiserver /readyz', async () => {
      const res = await httpCall(`${state.apiServerUrl}/readyz`, { tls: adminTls, timeoutMs: 2000 });
      return res.status === 200;
    });
    mark('kube-apiserver ready');

    const client = new KubeTestClient(state.kubeconfigPath);
    await installGatekeeperPrerequisites(client, tools, remaining());
    mark('gatekeeper CRDs established');

    // Audit pages API lists through this folder; the default (/tmp/audit) would be shared by concurrent runs.
    const auditCacheDir = join(stateDir, 'gatekeeper', 'audit-cache');
    mkdirSync(auditCacheDir, { recursive: true });
    const gatekeeper = launch(
      'gatekeeper',
      tools.gatekeeperManager,
      [
        '--debug-use-fake-pod',
        '--disable-cert-rotation',
        `--cert-dir=${join(pki.dir, 'gatekeeper-webhook')}`,
        '--host=127.0.0.1',
        `--port=${webhookPort}`,
        `--health-addr=127.0.0.1:${healthPort}`,
        `--prometheus-port=${metricsPort}`,
        `--audit-interval=${opts.auditIntervalSeconds ?? 10}`,
        `--api-cache-dir=${auditCacheDir}`,
        `--log-level=${opts.gatekeeperLogLevel ?? 'WARNING'}`,
        `--exempt-namespace=${GATEKEEPER_NAMESPACE}`,
        '--disable-opa-builtin={http.send}',
        // No Pod terminates here, so the delay meant to drain a Service endpoint would only slow teardown.
        '--shutdown-delay=0',
        ...(opts.gatekeeperArgs ?? []),
      ],
      { ...process.env, KUBECONFIG: gatekeeperKubeconfig, POD_NAMESPACE: GATEKEEPER_NAMESPACE },
    );
    // Registered while the manager starts: /v1/admit fails open (Ignore) and gatekeeper-system is excluded anyway.
    const ca = readFileSync(pki.ca.cert, 'utf8');
    for (const config of webhookConfigurations(state.gatekeeper.webhookUrl, ca, opts.gatekeeperWebhookRules)) {
      await client.apply(config, TEST_FIELD_MANAGER);
    }
    await waitWhileRunning(gatekeeper, 'Gatekeeper /readyz', async () => {
      const res = await httpCall(`${state.gatekeeper.healthUrl}/readyz`, { timeoutMs: 1000 });
      return res.status === 200;
    });
    mark('gatekeeper ready');
    await waitWhileRunning(
      gatekeeper,
      'the API server to call Gatekeeper (/v1/admitlabel denies a probe namespace)',
      () => probeWebhook(client),
    );
    mark('webhook answers');
    if (opts.outliveParent) {
      removeExitHooks();
      removeExitHooks = () => {};
      state.ownerPid = null;
    }
    saveState();
    log(`control plane ready in ${Date.now() - started} ms (state: ${stateDir})`);
    return {
      state,
      kubeconfigPath: state.kubeconfigPath,
      client: () => new KubeTestClient(state.kubeconfigPath),
      stop,
    };
  } catch (err) {
    if (stopping !== undefined) {
      await stopping;
      throw new Error('control plane start-up interrupted', { cause: err });
    }
    await stopAll(true); // keep the logs the message below points at
    throw new Error(`control plane failed to start (logs in ${stateDir}): ${(err as Error).message}`, { cause: err });
  }
}

function apiServerArgs(state: ControlPlaneState, pki: Pki, stateDir: string, apiPort: number): string[] {
  return [
    `--etcd-servers=${state.etcdUrl}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(stateDir, 'kube-apiserver')}`,
    `--tls-cert-file=${pki.apiServer.cert}`,
    `--tls-private-key-file=${pki.apiServer.key}`,
    `--client-ca-file=${pki.ca.cert}`,
    '--authorization-mode=RBAC',
    // Tests create privileged pods to see them denied by policy, not by the API server.
    '--allow-privileged=true',
    // No controller-manager runs, so no namespace would ever get its `default` ServiceAccount.
    '--disable-admission-plugins=ServiceAccount',
    '--service-cluster-ip-range=10.0.0.0/24',
    `--service-account-issuer=${state.apiServerUrl}`,
    `--service-account-key-file=${pki.serviceAccount.cert}`,
    `--service-account-signing-key-file=${pki.serviceAccount.key}`,
    // There is no node network: do not try to publish a loopback address as the `kubernetes` Service endpoint.
    '--endpoint-reconciler-type=none',
    // Watches are served from etcd, so compacting etcd makes an old resourceVersion answer 410 Gone at once; with the
    // watch cache on, a test would have to outlast its 75 s event freshness window to see a 410.
    '--watch-cache=false',
  ];
}

async function installGatekeeperPrerequisites(client: KubeTestClient, tools: ToolPaths, timeoutMs: number) {
  const crds = loadGatekeeperCrds(tools.gatekeeperCrds);
  await Promise.all(crds.map((crd) => client.apply(crd, TEST_FIELD_MANAGER)));
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: GATEKEEPER_NAMESPACE } });
  await Promise.all(
    crds.map((crd) => waitForCrdEstablished(client, crd.metadata.name, { timeoutMs, intervalMs: 100 })),
  );
  // The API server creates `default` shortly after /readyz; tests put their pods there.
  await waitFor('namespace default', () => client.get('v1', 'Namespace', 'default'), { timeoutMs, intervalMs: 100 });
}

async function probeWebhook(client: KubeTestClient): Promise<boolean> {
  const res = await client.createRaw(webhookProbeNamespace(), { dryRun: true });
  const message = (res.json as { message?: string } | undefined)?.message ?? '';
  return res.status >= 400 && message.includes('check-ignore-label.gatekeeper.sh') && message.includes('denied');
}

function writeKubeconfig(path: string, server: string, ca: KeyPair, user: KeyPair, userName: string): void {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'gatewright', cluster: { server, 'certificate-authority-data': b64(ca.cert) } }],
    users: [{ name: userName, user: { 'client-certificate-data': b64(user.cert), 'client-key-data': b64(user.key) } }],
    contexts: [{ name: 'gatewright', context: { cluster: 'gatewright', user: userName, namespace: 'default' } }],
    'current-context': 'gatewright',
  };
  writeFileSync(path, dump(config), { mode: 0o600 });
}

/**
 * Stops the control plane when this process is interrupted (SIGINT/SIGTERM/SIGHUP), and kills it synchronously as a
 * last resort when the process exits without calling stop() (uncaught error, process.exit in a test runner).
 */
function installExitHooks(running: ManagedProcess[], stateDir: string, stop: () => Promise<void>): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  const onExit = () => {
    for (const proc of running) proc.killNow();
    if (process.env.GATEWRIGHT_KEEP_STATE !== '1') rmSync(stateDir, { recursive: true, force: true });
  };
  for (const s of signals) process.on(s, onSignal);
  process.on('exit', onExit);
  return () => {
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', onExit);
  };
}

export function readState(stateDir: string): ControlPlaneState | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8')) as ControlPlaneState;
  } catch {
    return undefined;
  }
}

/** Stops the processes of a recorded control plane (from its state file) and removes its state dir. */
export async function stopRecordedControlPlane(state: ControlPlaneState): Promise<void> {
  for (const record of [...state.processes].reverse()) await stopRecordedProcess(record);
  rmSync(state.stateDir, { recursive: true, force: true });
}

export function isControlPlaneAlive(state: ControlPlaneState): boolean {
  return state.processes.length > 0 && state.processes.every(isRecordedProcessAlive);
}

/** Recorded runs under `stateRoot`, with whether their owner is gone (a crashed or killed test run). */
export function listRuns(stateRoot = defaultStateRoot()): { state: ControlPlaneState; abandoned: boolean }[] {
  if (!existsSync(stateRoot)) return [];
  return readdirSync(stateRoot)
    .map((entry) => readState(join(stateRoot, entry)))
    .filter((s): s is ControlPlaneState => s !== undefined)
    .map((state) => ({ state, abandoned: state.ownerPid !== null && !isPidAlive(state.ownerPid) }));
}

/** Cleans up runs whose owning process died without stopping them (their pid files are all that is left). */
export async function sweepAbandonedRuns(stateRoot = defaultStateRoot(), log: (m: string) => void = () => {}) {
  for (const { state, abandoned } of listRuns(stateRoot)) {
    if (!abandoned) continue;
    log(`cleaning up abandoned control plane ${state.stateDir} (owner pid ${state.ownerPid} is gone)`);
    await stopRecordedControlPlane(state);
  }
}
