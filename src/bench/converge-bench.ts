// `make bench-converge`: how fast the operator brings N + N policies to Ready on a fresh local control plane, against
// the baseline of the same rendered objects applied by 8 parallel `kubectl apply --server-side` clients on another
// fresh control plane, timed until Gatekeeper reports every constraint enforced. Prints figures; asserts nothing.
//
//   node dist/bench/converge-bench.js [--policies 200] [--namespaces 200] [--idle 120] [--max-in-flight 8]
//                                     [--skip-baseline] [--skip-operator] [--watch-cache on|off] [--cli PATH]
//                                     [--operator-node-flags '--max-semi-space-size=4'] [--policy-clients 8]
//                                     [--operator-args '--qps 100 --burst 200'] [--heap-snapshot DIR]
//                                     [--churn 1000] [--churn-seconds 60] [--churn-rounds 1]
//                                     [--gatekeeper-audit-interval 60] [--gatekeeper-audit-all-kinds]
//                                     [--gatekeeper-webhook-all]
//
// Needs the harness (`tsc -p tsconfig.harness.json`, dist-test/) and the tools (`make tools`); the Makefile target
// builds both. API requests are counted on the API server's side, from its /metrics `apiserver_request_total`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { compile } from '../compiler/compile.js';
import type { K8sObject } from '../compiler/model.js';
import { loadLibrary } from '../library/load.js';
import { KubeHttp } from '../controller/kube-http.js';
import {
  CONSTRAINT_API_VERSION,
  POLICY_API_VERSION,
  RESOURCES,
  apiVersionOf,
  isConstraintApiVersion,
  resourcePath,
} from '../api/resources.js';
import { ResourceWatcher } from '../controller/watch.js';
import { benchNamespaces, benchPolicies, namespaceObject } from './generate.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'hack', '.bin');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const has = (name: string) => process.argv.includes(`--${name}`);
const N = flag('policies', 200);
const NAMESPACES = flag('namespaces', 200);
const IDLE_SECONDS = flag('idle', 120);
const MAX_IN_FLIGHT = flag('max-in-flight', 8);
const POLICY_CLIENTS = Math.max(1, flag('policy-clients', 8));
const TIMEOUT_MS = flag('timeout', 3600) * 1000;
const LEASE_SECONDS = flag('lease-duration', 60);
function stringFlag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const OPERATOR_LOG_LEVEL = stringFlag('operator-log-level', 'info');
// The test harness runs kube-apiserver without its watch cache (e2e tests need etcd's 410 Gone at once); a cluster
// runs with it. Both runs of the benchmark use the same setting.
const WATCH_CACHE = stringFlag('watch-cache', 'on');
if (WATCH_CACHE !== 'on' && WATCH_CACHE !== 'off') throw new Error('--watch-cache must be on or off');
const watchCacheArgs = [`--watch-cache=${WATCH_CACHE === 'on'}`];
// Another build's CLI as the operator (an earlier commit's dist/cli/main.js), for before/after figures in one session.
const OPERATOR_CLI = resolve(stringFlag('cli', join(root, 'dist', 'cli', 'main.js')));
/** The operator's Node flags, as manifests/base/deployment.yaml sets them in NODE_OPTIONS. */
const OPERATOR_NODE_FLAGS = stringFlag('operator-node-flags', '--max-semi-space-size=4');
/** More `gatewright run` flags for the operator (`--qps 100 --burst 200`), to compare settings in one session. */
const OPERATOR_ARGS = stringFlag('operator-args', '');
/** As the Deployment sets it (manifests/base/deployment.yaml), unless the caller's environment sets it. */
const OPERATOR_MALLOC_ARENA_MAX = process.env.MALLOC_ARENA_MAX ?? '2';
/**
 * Gatekeeper's --audit-interval on both control planes: its own default (60 s), as on a cluster. The tests' harness
 * runs it every 10 s so audit results show up within a test; with thousands of constraints an audit takes longer
 * than that, so it ran back to back and took CPU from the enforcing, more the longer a run lasted.
 */
const GATEKEEPER_AUDIT_SECONDS = flag('gatekeeper-audit-interval', 60);
/**
 * Audit as DVP's gatekeeper-audit Deployment runs it (deckhouse modules/015-admission-policy-engine
 * templates/audit-deployment.yaml): only the kinds constraints name, up to 200 violations kept per constraint. With
 * Gatekeeper's defaults an audit lists every resource, the constraints and Gatekeeper's own per-pod status objects
 * among them, and reviews each against every constraint: at 1,000 + 1,000 policies its first run had not ended after
 * 22 minutes. `--gatekeeper-audit-all-kinds` for Gatekeeper's defaults.
 */
const GATEKEEPER_AUDIT_ARGS = has('gatekeeper-audit-all-kinds')
  ? []
  : ['--audit-match-kind-only=true', '--constraint-violations-limit=200'];
/** Namespace label flips after the idle period, spread over CHURN_SECONDS (0: none): memory under churn. */
const CHURN_FLIPS = flag('churn', 1000);
const CHURN_SECONDS = flag('churn-seconds', 60);
/** The churn again and again, each round reported: memory that settles each time, or grows round by round. */
const CHURN_ROUNDS = Math.max(1, flag('churn-rounds', 1));
/** Write a V8 heap snapshot of the operator into this directory after the idle period (where its memory goes). */
const HEAP_SNAPSHOT_DIR = stringFlag('heap-snapshot', '');

interface WebhookRule {
  apiGroups: string[];
  resources: string[];
}
/** How Gatekeeper runs on both control planes. */
interface GatekeeperSetup {
  auditIntervalSeconds: number;
  gatekeeperArgs: string[];
  gatekeeperWebhookRules?: WebhookRule[];
}

/**
 * What Gatekeeper's validating webhook is sent, as DVP's engine configures it (deckhouse
 * modules/015-admission-policy-engine: the webhook's rules are the resources its constraints track): the resources the
 * constraints match. Gatekeeper's release manifest sends it every resource instead, constraints included, and its
 * matcher decodes the reviewed object once per constraint (target.gkReviewToObject under Matcher.Match): a perf
 * profile at 1,000 + 1,000 policies put 73 % of Gatekeeper's CPU there, reviewing constraint creates, each costing
 * more the more constraints it already held. `--gatekeeper-webhook-all` for the release manifest's rule.
 */
function trackedResources(objects: K8sObject[]): WebhookRule[] | undefined {
  if (has('gatekeeper-webhook-all')) return undefined;
  const byGroup = new Map<string, Set<string>>();
  for (const o of objects) {
    if (!isConstraintApiVersion(o.apiVersion)) continue;
    const kinds = (o as { spec?: { match?: { kinds?: { apiGroups?: string[]; kinds?: string[] }[] } } }).spec?.match
      ?.kinds;
    if (!kinds || kinds.length === 0) return undefined; // a constraint for every kind: nothing to narrow
    for (const entry of kinds)
      for (const group of entry.apiGroups ?? ['*'])
        for (const kind of entry.kinds ?? []) {
          // The kinds constraints name here are all regular plurals (Pod, Deployment, CronJob, ...).
          if (/(s|y|x|ch|sh)$/.test(kind.toLowerCase())) throw new Error(`no plural rule for kind ${kind}`);
          const set = byGroup.get(group) ?? new Set<string>();
          set.add(`${kind.toLowerCase()}s`);
          byGroup.set(group, set);
        }
  }
  return [...byGroup].map(([group, resources]) => ({ apiGroups: [group], resources: [...resources].sort() }));
}

interface ControlPlane {
  kubeconfigPath: string;
  state: { stateDir: string; processes: { name: string; pid: number }[] };
  stop(): Promise<void>;
}
interface Harness {
  startControlPlane(opts: {
    log?: (m: string) => void;
    apiServerArgs?: string[];
    auditIntervalSeconds?: number;
    gatekeeperArgs?: string[];
    gatekeeperWebhookRules?: WebhookRule[];
  }): Promise<ControlPlane>;
}

/**
 * kube-apiserver's audit log, one line per finished request (Metadata level): who sent what, on the server's side.
 * Its /metrics has no client label, so requests by client are counted from here.
 */
function auditArgs(): { args: string[]; logPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gatewright-audit-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(
    policy,
    JSON.stringify({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived', 'ResponseStarted'],
      rules: [{ level: 'Metadata' }],
    }),
  );
  const logPath = join(dir, 'audit.log');
  return { args: [`--audit-policy-file=${policy}`, `--audit-log-path=${logPath}`, '--audit-log-maxsize=0'], logPath };
}

/** Requests the audit log saw received in [from, to), by verb and client (user, and the user agent's program). */
function auditCounts(logPath: string, from: number, to: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line) continue;
    let e: { verb?: string; user?: { username?: string }; userAgent?: string; requestReceivedTimestamp?: string };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      continue;
    }
    const at = Date.parse(e.requestReceivedTimestamp ?? '');
    if (!(at >= from && at < to)) continue;
    const agent = (e.userAgent ?? '?').split(/[/ ]/)[0];
    const key = `${e.verb ?? '?'} by ${e.user?.username ?? '?'} (${agent})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The busiest "verb by user (agent)" entries of an audit window, one line. */
function topClients(counts: Map<string, number>, n = 12): string {
  return (
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ') || 'none'
  );
}

const log = (m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
};

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err.slice(-2000)}`)),
    );
  });
}

const kubectl = (kubeconfig: string, args: string[]) =>
  run(join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args]);

function freePort(): Promise<number> {
  return new Promise((resolvePromise) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePromise(port));
    });
  });
}

/** apiserver_request_total summed by verb, and by verb and resource. */
async function requestCounts(http: KubeHttp): Promise<Map<string, number>> {
  const res = await http.request('GET', '/metrics');
  const counts = new Map<string, number>();
  for (const line of res.body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const verb = labels.verb ?? '?';
    const resource = `${labels.resource ?? ''}${labels.subresource ? `/${labels.subresource}` : ''}`;
    counts.set(verb, (counts.get(verb) ?? 0) + value);
    counts.set(`${verb} ${resource}`, (counts.get(`${verb} ${resource}`) ?? 0) + value);
  }
  return counts;
}

function diff(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) > 0) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

const WRITE_VERBS = ['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION'];
/** Resources only gatewright writes (Gatekeeper writes the constraints' and templates' status subresources). */
const gatewrightResource = (resource: string) =>
  /^(securitypolicies|operationpolicies|moduleconfigs)(\/status)?$/.test(resource) ||
  /^(constrainttemplates|syncsets|validatingadmissionpolicies|validatingadmissionpolicybindings|events|d8[a-z]+|leases)$/.test(
    resource,
  );

function printCounts(title: string, counts: Map<string, number>, perPolicy?: number): void {
  const verbs = [...counts].filter(([k]) => !k.includes(' ')).sort((a, b) => b[1] - a[1]);
  console.log(`  ${title}: ${verbs.map(([v, n]) => `${v} ${n}`).join(', ') || 'none'}`);
  const ours = [...counts].filter(([k]) => k.includes(' ') && gatewrightResource(k.split(' ')[1] ?? ''));
  const oursByVerb = new Map<string, number>();
  for (const [k, n] of ours) oursByVerb.set(k.split(' ')[0] ?? '', (oursByVerb.get(k.split(' ')[0] ?? '') ?? 0) + n);
  const writes = [...oursByVerb].filter(([v]) => WRITE_VERBS.includes(v)).reduce((a, [, n]) => a + n, 0);
  console.log(
    `    on gatewright's resources: ${[...oursByVerb].map(([v, n]) => `${v} ${n}`).join(', ') || 'none'}` +
      (perPolicy ? ` (writes per policy: ${(writes / perPolicy).toFixed(1)})` : ''),
  );
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) a process has used so far; clock ticks are 1/100 s on Linux. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds so far of the control plane's processes (etcd, kube-apiserver, Gatekeeper) and of the operator. */
function cpuByProcess(plane: ControlPlane, operatorPid?: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const p of plane.state.processes) byName.set(p.name, (byName.get(p.name) ?? 0) + cpuSeconds(p.pid));
  if (operatorPid !== undefined) byName.set('gatewright', cpuSeconds(operatorPid));
  return byName;
}

/** "gatekeeper 120.3 s, kube-apiserver 80.1 s, …": CPU used between two readings, most first. */
function cpuUsed(after: Map<string, number>, before: Map<string, number>): string {
  return [...after]
    .map(([name, s]) => [name, s - (before.get(name) ?? 0)] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
    .join(', ');
}

async function setUpCluster(plane: ControlPlane, http: KubeHttp): Promise<void> {
  // crds/ is also a kustomize base (its kustomization.yaml is not an object to apply).
  await kubectl(plane.kubeconfigPath, ['apply', '--server-side', '-k', join(root, 'crds')]);
  await kubectl(plane.kubeconfigPath, ['wait', '--for=condition=Established', '--timeout=120s', 'crd', '--all']);
  const namespaces = [{ name: 'gatewright-system', labels: {} }, ...benchNamespaces(NAMESPACES)];
  await Promise.all(
    namespaces.map((ns) =>
      http.call('PATCH', `/api/v1/namespaces/${ns.name}?fieldManager=bench&force=true`, {
        body: namespaceObject(ns),
        contentType: 'application/apply-patch+yaml',
      }),
    ),
  );
}

function toYamlStream(objects: unknown[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';
}

interface ReadyWatch {
  firstReady: number | undefined;
  readyAt: Map<string, number>;
  stop(): Promise<void>;
}

/** Watches both policy kinds; notes when each one first says Ready=True for its current generation. */
function watchReady(kc: KubeConfig, t0: () => number): ReadyWatch {
  const readyAt = new Map<string, number>();
  const result: ReadyWatch = { firstReady: undefined, readyAt, stop: async () => {} };
  const watchers = ['SecurityPolicy', 'OperationPolicy'].map(
    (kind) =>
      new ResourceWatcher<KubernetesObject>({
        kc,
        path: resourcePath(POLICY_API_VERSION, kind),
        onEvent: (_type, obj) => {
          const o = obj as KubernetesObject & {
            status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
          };
          const ready = o.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
          const key = `${kind}/${o.metadata?.name}`;
          if (ready && o.status?.observedGeneration === o.metadata?.generation && !readyAt.has(key)) {
            const at = Date.now() - t0();
            readyAt.set(key, at);
            result.firstReady ??= at;
          }
        },
      }),
  );
  watchers.forEach((w) => w.start());
  result.stop = async () => {
    await Promise.all(watchers.map((w) => w.stop()));
  };
  return result;
}

async function operatorRun(
  harness: Harness,
  policies: Record<string, unknown>[],
  gatekeeper: GatekeeperSetup,
): Promise<void> {
  log('gatewright: starting a fresh control plane');
  const audit = auditArgs();
  const plane = await harness.startControlPlane({ apiServerArgs: [...audit.args, ...watchCacheArgs], ...gatekeeper });
  const kc = new KubeConfig();
  kc.loadFromFile(plane.kubeconfigPath);
  const http = new KubeHttp(kc);
  let operator: ChildProcess | undefined;
  try {
    await setUpCluster(plane, http);
    const opsPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'gatewright-converge-'));
    const logFile = join(dir, 'operator.log');
    const reconcileSeconds: number[] = [];
    let lastReconcileEnd = 0;
    operator = spawn(
      process.execPath,
      [
        // As the Deployment runs it (its NODE_OPTIONS): a bounded young generation.
        ...OPERATOR_NODE_FLAGS.split(' ').filter(Boolean),
        ...(HEAP_SNAPSHOT_DIR
          ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${resolve(HEAP_SNAPSHOT_DIR)}`]
          : []),
        OPERATOR_CLI,
        'run',
        '--ops-port',
        String(opsPort),
        '--ops-host',
        '127.0.0.1',
        '--lease-namespace',
        'gatewright-system',
        '--max-in-flight',
        String(MAX_IN_FLIGHT),
        // A shared 2-core machine can stall the API server for longer than the default 10 s renew deadline; the
        // benchmark measures convergence, not Lease loss (which ends the process by design).
        '--lease-duration',
        String(LEASE_SECONDS),
        '--log-level',
        OPERATOR_LOG_LEVEL,
        ...OPERATOR_ARGS.split(' ').filter(Boolean),
      ],
      {
        env: { ...process.env, MALLOC_ARENA_MAX: OPERATOR_MALLOC_ARENA_MAX, KUBECONFIG: plane.kubeconfigPath },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out = createWriteStream(logFile);
    let pending = '';
    operator.stdout?.on('data', (d: Buffer) => {
      out.write(d);
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.includes('"reconciled"')) continue;
        try {
          const entry = JSON.parse(line) as { seconds?: number };
          if (typeof entry.seconds === 'number') {
            reconcileSeconds.push(entry.seconds);
            lastReconcileEnd = Date.now();
          }
        } catch {
          // not a JSON line
        }
      }
    });
    operator.stderr?.pipe(out);
    // What of the RSS is V8's heap (prom-client's default metrics): tells retained objects from allocator slack.
    const heapFigures = async () => {
      const text = (await opsGet('/metrics')).text;
      const mb = (name: string) => {
        const m = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
        return m ? (Number(m[1]) / 1048576).toFixed(0) : '?';
      };
      return `heap used ${mb('nodejs_heap_size_used_bytes')} MB of ${mb('nodejs_heap_size_total_bytes')} MB, external ${mb('nodejs_external_memory_bytes')} MB`;
    };
    const opsGet = async (path: string) => {
      try {
        return await fetch(`http://127.0.0.1:${opsPort}${path}`).then(async (r) => ({
          status: r.status,
          text: await r.text(),
        }));
      } catch {
        return { status: 0, text: '' };
      }
    };
    for (const start = Date.now(); (await opsGet('/readyz')).status !== 200;) {
      if (Date.now() - start > 120_000) throw new Error(`the operator did not become ready (log: ${logFile})`);
      await sleep(200);
    }
    const rssIdleEmpty = rssMb(operator.pid as number);
    await sleep(2000);
    reconcileSeconds.length = 0;

    // As the baseline applies its constraints: by parallel kubectl clients (one client took 3 minutes for 400 policies
    // on a loaded machine, all of it counted in "every policy Ready").
    const policyFiles = Array.from({ length: POLICY_CLIENTS }, (_, i) => join(dir, `policies-${i}.yaml`));
    policyFiles.forEach((f, i) => writeFileSync(f, toYamlStream(policies.filter((_p, j) => j % POLICY_CLIENTS === i))));
    const before = await requestCounts(http);
    const cpuBefore = cpuByProcess(plane, operator.pid);
    let t0 = Date.now();
    const ready = watchReady(kc, () => t0);
    t0 = Date.now();
    log(`gatewright: applying ${policies.length} policies at once`);
    await Promise.all(
      policyFiles.map((f) =>
        kubectl(plane.kubeconfigPath, ['apply', '--server-side', '--field-manager', 'admin', '-f', f]),
      ),
    );
    const appliedAt = Date.now() - t0;
    let lastReport = Date.now();
    while (ready.readyAt.size < policies.length) {
      if (Date.now() - t0 > TIMEOUT_MS) break;
      if (operator.exitCode !== null) throw new Error(`the operator exited (${operator.exitCode}); log: ${logFile}`);
      if (Date.now() - lastReport > 30_000) {
        // The operator's own count of constraints Gatekeeper does not report enforced yet: Gatekeeper's progress,
        // to set beside the baseline's.
        const backlog = /^gatewright_reconcile_backlog\{stage="not_enforced"\} (\d+)/m.exec(
          (await opsGet('/metrics')).text,
        );
        log(
          `gatewright: ${ready.readyAt.size}/${policies.length} Ready after ${seconds(Date.now() - t0)}; constraints not enforced yet ${backlog?.[1] ?? '?'}; operator RSS ${rssMb(operator.pid as number).toFixed(0)} MB`,
        );
        lastReport = Date.now();
      }
      await sleep(250);
    }
    const allReady = Math.max(0, ...ready.readyAt.values());
    const converged = ready.readyAt.size === policies.length;
    // Let the last pass finish before counting.
    for (const since = Date.now(); Date.now() - lastReconcileEnd < 2000 && Date.now() - since < 30_000;)
      await sleep(200);
    const during = diff(await requestCounts(http), before);
    const cpuDuring = cpuUsed(cpuByProcess(plane, operator.pid), cpuBefore);
    const rssConverged = rssMb(operator.pid as number);
    const heapConverged = await heapFigures();
    const reconciles = [...reconcileSeconds];

    log(`gatewright: idle for ${IDLE_SECONDS} s`);
    const writesMetric = async () =>
      [...(await opsGet('/metrics')).text.matchAll(/^gatewright_api_write_requests_total\{[^}]*\} (\d+)/gm)].reduce(
        (a, m) => a + Number(m[1]),
        0,
      );
    // What the watch caches passed on to the controller, by resource and event type (the operator's own count).
    const watchEvents = async () => {
      const counts = new Map<string, number>();
      for (const m of (await opsGet('/metrics')).text.matchAll(
        /^gatewright_watch_events_total\{resource="([^"]*)",type="([^"]*)"\} (\d+)/gm,
      ))
        counts.set(`${m[2]} ${(m[1] ?? '').split('/').pop()}`, Number(m[3]));
      return counts;
    };
    const idleBefore = await requestCounts(http);
    const opWritesBefore = await writesMetric();
    const eventsBefore = await watchEvents();
    const idleReconciles = reconcileSeconds.length;
    const idleFrom = Date.now();
    await sleep(IDLE_SECONDS * 1000);
    const idleTo = Date.now();
    const idle = diff(await requestCounts(http), idleBefore);
    const opWritesIdle = (await writesMetric()) - opWritesBefore;
    const idleEvents = diff(await watchEvents(), eventsBefore);
    // The audit log is written as requests finish: give the last ones a moment.
    await sleep(1000);
    const idleByClient = auditCounts(audit.logPath, idleFrom, idleTo);
    const idlePasses = reconcileSeconds.length - idleReconciles;
    const rssAfterIdle = rssMb(operator.pid as number);
    const heapAfterIdle = await heapFigures();
    await ready.stop();

    // Churn: namespaces' pod-policy labels flipped back and forth (each flip changes which constraints match
    // them), then every label as it was; RSS sampled every second, and once the operator has settled.
    const churnReport: string[] = [];
    if (CHURN_FLIPS > 0) {
      const churned = benchNamespaces(NAMESPACES);
      const pid = operator.pid as number;
      const level = (ns: (typeof churned)[number], flipped: boolean) => {
        const own = ns.labels['security.deckhouse.io/pod-policy'];
        return flipped ? (own === 'restricted' ? 'baseline' : 'restricted') : (own ?? null);
      };
      const label = (ns: (typeof churned)[number], flipped: boolean) =>
        http.request('PATCH', `/api/v1/namespaces/${ns.name}`, {
          body: { metadata: { labels: { 'security.deckhouse.io/pod-policy': level(ns, flipped) } } },
          contentType: 'application/merge-patch+json',
        });
      let rssBefore = rssAfterIdle;
      let heapBefore = heapAfterIdle;
      for (let round = 1; round <= CHURN_ROUNDS; round++) {
        log(
          `gatewright: churn round ${round}/${CHURN_ROUNDS}: ${CHURN_FLIPS} namespace label flips in ${CHURN_SECONDS} s`,
        );
        const churnBefore = await requestCounts(http);
        const writesBefore = await writesMetric();
        const passesBefore = reconcileSeconds.length;
        let peak = rssMb(pid);
        const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 1000);
        const churnStart = Date.now();
        // Eight clients at once: one after the other, a flip took about 0.3 s (Gatekeeper's webhook reviews each).
        const flipsBy = async (client: number) => {
          for (let i = client; i < CHURN_FLIPS; i += 8) {
            const ns = churned[i % churned.length] as (typeof churned)[number];
            // Every namespace's first flip changes its label, the next one puts it back, and so on.
            await label(ns, Math.floor(i / churned.length) % 2 === 0);
            const due = churnStart + ((i + 1) * CHURN_SECONDS * 1000) / CHURN_FLIPS;
            if (due > Date.now()) await sleep(due - Date.now());
          }
        };
        await Promise.all(Array.from({ length: 8 }, (_, c) => flipsBy(c)));
        for (const ns of churned) await label(ns, false);
        const churnedFor = Date.now() - churnStart;
        // Settled: no pass for 10 s (or 5 minutes at most).
        for (const since = Date.now(); Date.now() - lastReconcileEnd < 10_000 && Date.now() - since < 300_000;)
          await sleep(500);
        clearInterval(sampler);
        const churnRequests = diff(await requestCounts(http), churnBefore);
        const rssSettled = rssMb(pid);
        const heapSettled = await heapFigures();
        churnReport.push(
          `  churn${CHURN_ROUNDS > 1 ? ` round ${round}/${CHURN_ROUNDS}` : ''}: ${CHURN_FLIPS} namespace label flips in ${seconds(churnedFor)}, then every label back (${churned.length} patches): ${reconcileSeconds.length - passesBefore} reconcile passes, ${(await writesMetric()) - writesBefore} writes by the operator`,
          `    operator RSS ${rssBefore.toFixed(0)} MB before, ${peak.toFixed(0)} MB at most during, ${rssSettled.toFixed(0)} MB once settled; ${heapSettled} (before: ${heapBefore})`,
          `    API requests during the churn: ${[...churnRequests]
            .filter(([k]) => !k.includes(' '))
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}`,
        );
        rssBefore = rssSettled;
        heapBefore = heapSettled;
      }
    }
    if (HEAP_SNAPSHOT_DIR) {
      // After every figure is taken: writing a snapshot takes seconds and memory of its own.
      const dir = resolve(HEAP_SNAPSHOT_DIR);
      const before = new Set(readdirSync(dir));
      operator.kill('SIGUSR2');
      let file: string | undefined;
      for (const start = Date.now(); !file && Date.now() - start < 120_000; await sleep(1000)) {
        const fresh = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
        // Written once its size stops changing.
        if (fresh[0] && statSync(join(dir, fresh[0])).size > 0) {
          const size = statSync(join(dir, fresh[0])).size;
          await sleep(2000);
          if (statSync(join(dir, fresh[0])).size === size) file = join(dir, fresh[0]);
        }
      }
      log(`gatewright: heap snapshot ${file ?? `NOT written within 2 minutes into ${dir}`}`);
    }

    console.log(`\n== gatewright: ${N} SecurityPolicies + ${N} OperationPolicies, ${NAMESPACES} namespaces ==`);
    console.log(
      `  operator: ${OPERATOR_CLI} (node ${OPERATOR_NODE_FLAGS}; MALLOC_ARENA_MAX=${OPERATOR_MALLOC_ARENA_MAX})${OPERATOR_ARGS ? ` ${OPERATOR_ARGS}` : ''}`,
    );
    console.log(`  kubectl apply of the policies (${POLICY_CLIENTS} clients) took ${seconds(appliedAt)}`);
    console.log(
      `  first Ready: ${ready.firstReady === undefined ? 'never' : seconds(ready.firstReady)}; every policy Ready: ${converged ? seconds(allReady) : `NOT within ${seconds(TIMEOUT_MS)} (${ready.readyAt.size}/${policies.length})`}`,
    );
    const half = pct([...ready.readyAt.values()], 50);
    console.log(`  half of the policies Ready: ${seconds(half)}`);
    console.log(
      `  reconcile passes: ${reconciles.length}; duration p50 ${(pct(reconciles, 50) * 1000).toFixed(0)} ms, p99 ${(pct(reconciles, 99) * 1000).toFixed(0)} ms, max ${(Math.max(...reconciles) * 1000).toFixed(0)} ms`,
    );
    console.log(`  CPU used from the apply until every policy was Ready: ${cpuDuring}`);
    printCounts('API requests during convergence (all clients, incl. Gatekeeper and kubectl)', during, policies.length);
    console.log(
      `    during convergence by verb and client (audit log): ${topClients(auditCounts(audit.logPath, t0, t0 + allReady))}`,
    );
    console.log(
      `  operator RSS: ${rssIdleEmpty.toFixed(0)} MB before, ${rssConverged.toFixed(0)} MB after convergence, ${rssAfterIdle.toFixed(0)} MB after the idle period`,
    );
    console.log(`  operator memory after convergence: ${heapConverged}; after the idle period: ${heapAfterIdle}`);
    console.log(
      `  idle ${IDLE_SECONDS} s: ${idlePasses} reconcile passes, ${opWritesIdle} write(s) by the operator (its own count)`,
    );
    printCounts(`API requests while idle (all clients)`, idle);
    const lists = [...idle].filter(([k]) => k.startsWith('LIST ')).map(([k, n]) => `${k.slice(5)} ${n}`);
    console.log(`    LISTs while idle, by resource: ${lists.join(', ') || 'none'}`);
    console.log(
      `    requests while idle by verb and client (API server audit log): ${
        [...idleByClient]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k} ${n}`)
          .join('; ') || 'none'
      }`,
    );
    console.log(
      `    changes the operator's watch caches passed on while idle: ${
        [...idleEvents]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || 'none'
      }`,
    );
    for (const line of churnReport) console.log(line);
    console.log(`  operator log: ${logFile}`);
    (globalThis as { convergeResult?: number }).convergeResult = converged ? allReady : undefined;
  } finally {
    operator?.kill('SIGTERM');
    await sleep(500);
    await plane.stop();
  }
}

/** The baseline: `objects`, what gatewright compiles from the same policies, applied by parallel kubectl clients. */
async function baselineRun(harness: Harness, objects: K8sObject[], gatekeeper: GatekeeperSetup): Promise<void> {
  log('baseline: starting a fresh control plane');
  // The same audit log as the operator's run, so that both API servers carry the same load.
  const audit = auditArgs();
  const plane = await harness.startControlPlane({ apiServerArgs: [...audit.args, ...watchCacheArgs], ...gatekeeper });
  const kc = new KubeConfig();
  kc.loadFromFile(plane.kubeconfigPath);
  const http = new KubeHttp(kc);
  const watchers: ResourceWatcher<KubernetesObject>[] = [];
  try {
    await setUpCluster(plane, http);
    const isConstraint = (o: K8sObject) => isConstraintApiVersion(o.apiVersion);
    const first = objects.filter((o) => !isConstraint(o));
    const constraints = objects.filter(isConstraint);
    const dir = mkdtempSync(join(tmpdir(), 'gatewright-baseline-'));
    writeFileSync(join(dir, 'first.yaml'), toYamlStream(first));
    const chunks = Array.from({ length: 8 }, (_, i) => constraints.filter((_c, j) => j % 8 === i));
    chunks.forEach((c, i) => writeFileSync(join(dir, `constraints-${i}.yaml`), toYamlStream(c)));

    // When each constraint is enforced, from each of Gatekeeper's two reports: the constraint's own status.byPod and
    // the ConstraintPodStatus object it aggregates from.
    const byPodAt = new Map<string, number>();
    const podStatusAt = new Map<string, number>();
    let t0 = Date.now();
    const kinds = [...new Set(constraints.map((c) => c.kind))];
    for (const kind of kinds) {
      const w = new ResourceWatcher<KubernetesObject>({
        kc,
        path: resourcePath(CONSTRAINT_API_VERSION, kind),
        baseBackoffMs: 250,
        maxBackoffMs: 1000,
        onEvent: (_t, obj) => {
          const o = obj as KubernetesObject & {
            status?: { byPod?: { enforced?: boolean; observedGeneration?: number }[] };
          };
          const pods = o.status?.byPod ?? [];
          const key = `${kind}/${o.metadata?.name}`;
          if (
            pods.length > 0 &&
            pods.every((p) => p.enforced === true && p.observedGeneration === o.metadata?.generation) &&
            !byPodAt.has(key)
          )
            byPodAt.set(key, Date.now() - t0);
        },
      });
      watchers.push(w);
    }
    watchers.push(
      new ResourceWatcher<KubernetesObject>({
        kc,
        path: resourcePath(
          apiVersionOf(RESOURCES.ConstraintPodStatus),
          RESOURCES.ConstraintPodStatus.kind,
          undefined,
          'gatekeeper-system',
        ),
        onEvent: (_t, obj) => {
          const o = obj as KubernetesObject & { status?: { enforced?: boolean } };
          const labels = o.metadata?.labels ?? {};
          const key = `${labels['internal.gatekeeper.sh/constraint-kind']}/${labels['internal.gatekeeper.sh/constraint-name']}`;
          if (o.status?.enforced === true && !podStatusAt.has(key)) podStatusAt.set(key, Date.now() - t0);
        },
      }),
    );
    const cpuBefore = cpuByProcess(plane);
    t0 = Date.now();
    log(`baseline: ${first.length} templates and others, then ${constraints.length} constraints by 8 kubectl clients`);
    await kubectl(plane.kubeconfigPath, [
      'apply',
      '--server-side',
      '--field-manager',
      'baseline',
      '-f',
      join(dir, 'first.yaml'),
    ]);
    // Constraints need their CRDs: wait until Gatekeeper has ingested every template.
    for (;;) {
      const list = await http.call<{
        items: {
          metadata: { generation: number };
          status?: { created?: boolean; byPod?: { observedGeneration?: number }[] };
        }[];
      }>('GET', resourcePath(apiVersionOf(RESOURCES.ConstraintTemplate), RESOURCES.ConstraintTemplate.kind));
      const ingested = list.items.filter(
        (t) =>
          t.status?.created === true &&
          (t.status.byPod ?? []).some((p) => p.observedGeneration === t.metadata.generation),
      ).length;
      if (ingested >= first.filter((o) => o.kind === 'ConstraintTemplate').length) break;
      if (Date.now() - t0 > TIMEOUT_MS) throw new Error('templates not ingested');
      await sleep(250);
    }
    const templatesAt = Date.now() - t0;
    watchers.forEach((w) => w.start());
    // A CRD can be Established a moment after the template says created: kubectl retries nothing, so we do.
    await Promise.all(
      chunks.map(async (_c, i) => {
        for (let attempt = 0; ; attempt++) {
          try {
            await kubectl(plane.kubeconfigPath, [
              'apply',
              '--server-side',
              '--field-manager',
              'baseline',
              '-f',
              join(dir, `constraints-${i}.yaml`),
            ]);
            return;
          } catch (err) {
            if (attempt >= 5) throw err;
            await sleep(1000);
          }
        }
      }),
    );
    const appliedAt = Date.now() - t0;
    let lastReport = Date.now();
    while (byPodAt.size < constraints.length && Date.now() - t0 < TIMEOUT_MS) {
      if (Date.now() - lastReport > 30_000) {
        log(`baseline: ${byPodAt.size}/${constraints.length} enforced after ${seconds(Date.now() - t0)}`);
        lastReport = Date.now();
      }
      await sleep(250);
    }
    const allEnforced = Math.max(...byPodAt.values());
    const cpuDuring = cpuUsed(cpuByProcess(plane), cpuBefore);
    const lags = [...byPodAt].filter(([k]) => podStatusAt.has(k)).map(([k, t]) => t - (podStatusAt.get(k) as number));
    console.log(
      `\n== baseline: the same ${objects.length} rendered objects, 8 parallel kubectl apply --server-side ==`,
    );
    console.log(`  templates ingested: ${seconds(templatesAt)}; all applied: ${seconds(appliedAt)}`);
    console.log(`  CPU used from the first apply until every constraint was enforced: ${cpuDuring}`);
    await sleep(1000);
    console.log(
      `  requests until then by verb and client (audit log): ${topClients(auditCounts(audit.logPath, t0, t0 + allEnforced))}`,
    );
    console.log(
      `  every constraint enforced (status.byPod): ${byPodAt.size === constraints.length ? seconds(allEnforced) : `NOT within ${seconds(TIMEOUT_MS)} (${byPodAt.size}/${constraints.length})`}`,
    );
    console.log(
      `  ConstraintPodStatus says enforced before status.byPod by: median ${seconds(pct(lags, 50))}, p90 ${seconds(pct(lags, 90))}, max ${seconds(Math.max(...lags))} (${lags.length} constraints)`,
    );
    const ours = (globalThis as { convergeResult?: number }).convergeResult;
    if (ours !== undefined && byPodAt.size === constraints.length)
      console.log(
        `\n== gatewright all Ready / baseline all enforced: ${(ours / allEnforced).toFixed(2)}× (target ≤ 1.2×) ==`,
      );
  } finally {
    await Promise.all(watchers.map((w) => w.stop()));
    await plane.stop();
  }
}

async function main(): Promise<void> {
  const harnessPath = join(root, 'dist-test', 'test', 'harness', 'control-plane.js');
  const harness = (await import(pathToFileURL(harnessPath).href)) as Harness;
  const policies = benchPolicies(N, N);
  // Compiled once: the webhook rules follow from it, and the baseline applies exactly these objects.
  const { objects } = compile({
    policies,
    namespaces: benchNamespaces(NAMESPACES),
    library: loadLibrary(join(root, 'templates')),
  });
  const rules = trackedResources(objects);
  const gatekeeper: GatekeeperSetup = {
    auditIntervalSeconds: GATEKEEPER_AUDIT_SECONDS,
    gatekeeperArgs: GATEKEEPER_AUDIT_ARGS,
    ...(rules ? { gatekeeperWebhookRules: rules } : {}),
  };
  const os = await import('node:os');
  console.log(
    `machine: ${os.cpus().length} cores; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; kube-apiserver watch cache ${WATCH_CACHE}; Gatekeeper audit every ${GATEKEEPER_AUDIT_SECONDS} s${
      GATEKEEPER_AUDIT_ARGS.length > 0 ? `, ${GATEKEEPER_AUDIT_ARGS.join(' ')}` : ', every kind'
    }; its validating webhook reviews ${
      rules
        ? rules.map((r) => `${r.apiGroups.join(',') || 'core'}: ${r.resources.join(' ')}`).join('; ')
        : 'every resource'
    }`,
  );
  if (!has('skip-operator')) await operatorRun(harness, policies, gatekeeper);
  if (!has('skip-baseline')) await baselineRun(harness, objects, gatekeeper);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
