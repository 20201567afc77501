// `make bench-admission [-- --compare DIR] [--rounds N] [--iterations N] [--scale 1,400,2400]`: what gatewright's
// constraints cost per admission review, measured with Gatekeeper's own `gator bench` on a fixed set of workloads
// (src/bench/admission-workloads.ts), for a namespace at restricted, one at baseline, and the DVP documentation's
// `mypolicy` + `common` policies. `--compare DIR` reviews the same objects with another set of templates and
// constraints (every YAML file in DIR), in the same run, interleaved round by round, and prints ours/other for p50
// and p99, under the Rego engine and under CEL. `--scale` reviews one privileged Pod of N containers (ms per container).
// Prints figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, loadAll } from 'js-yaml';
import { compile } from '../compiler/compile.js';
import { POD_POLICY_LABEL, POD_SECURITY_KIND } from '../compiler/pss.js';
import { loadLibrary } from '../library/load.js';
import { benchWorkloads, documentationPolicies, privilegedPod } from './admission-workloads.js';
import { POLICY_API_VERSION, isConstraintApiVersion } from '../api/resources.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const gator = process.env.GATOR ?? join(root, 'hack', '.bin', 'gator');

type Obj = Record<string, unknown>;
type Engine = 'rego' | 'cel';

interface Options {
  compare?: string;
  rounds: number;
  iterations: number;
  engines: Engine[];
  scale: number[];
  scenarios: string[];
  profile: boolean;
  dump?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { rounds: 3, iterations: 200, engines: ['rego', 'cel'], scale: [], scenarios: [], profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--') continue;
    else if (a === '--compare') o.compare = resolve(process.env.INIT_CWD ?? process.cwd(), next());
    else if (a === '--rounds') o.rounds = Number(next());
    else if (a === '--iterations' || a === '-n') o.iterations = Number(next());
    else if (a === '--engine') o.engines = next().split(',') as Engine[];
    else if (a === '--scale') o.scale = next().split(',').map(Number);
    else if (a === '--scenario') o.scenarios = next().split(',');
    else if (a === '--profile') o.profile = true;
    else if (a === '--dump') o.dump = resolve(process.env.INIT_CWD ?? process.cwd(), next());
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

interface Scenario {
  name: string;
  namespace: { name: string; labels: Record<string, string> };
  policies: Obj[];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'restricted',
    namespace: { name: 'bench-restricted', labels: { [POD_POLICY_LABEL]: 'restricted' } },
    policies: [],
  },
  { name: 'baseline', namespace: { name: 'bench-baseline', labels: { [POD_POLICY_LABEL]: 'baseline' } }, policies: [] },
  {
    name: 'mypolicy+common',
    namespace: {
      name: 'bench-policies',
      labels: {
        [POD_POLICY_LABEL]: 'privileged',
        enforce: 'mypolicy',
        'operation-policy.deckhouse.io/enabled': 'true',
      },
    },
    policies: documentationPolicies(),
  },
];

function namespaceObject(ns: Scenario['namespace']): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns.name, labels: { ...ns.labels, 'kubernetes.io/metadata.name': ns.name } },
  };
}

/** gatewright's templates and constraints for one namespace, as the compiler renders them. */
function oursFor(scenario: Scenario, engine: Engine): Obj[] {
  const library = loadLibrary(join(root, 'templates'));
  const moduleConfig = {
    apiVersion: POLICY_API_VERSION,
    kind: 'ModuleConfig',
    metadata: { name: 'admission-policy-engine' },
    spec: { version: 1, settings: { admission: { engine: engine === 'cel' ? 'CEL' : 'Rego' } } },
  };
  const result = compile({ policies: scenario.policies, moduleConfig, namespaces: [scenario.namespace], library });
  if (result.invalid.size > 0)
    throw new Error(`bench policies are invalid: ${[...result.invalid.values()].join('; ')}`);
  // Only what Gatekeeper reviews: the templates and constraints (the SyncSet and the skip-check guard VAP are not).
  return forNamespace(
    result.objects.filter(
      (o) => o.kind === 'ConstraintTemplate' || isConstraintApiVersion(String(o.apiVersion)),
    ) as Obj[],
    scenario.namespace,
  );
}

type Requirement = { key: string; operator: string; values?: string[] };

/** Label-selector semantics (matchLabels and matchExpressions In / NotIn / Exists / DoesNotExist). */
function selects(selector: Obj | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const matchLabels = (selector.matchLabels ?? {}) as Record<string, string>;
  if (Object.entries(matchLabels).some(([k, v]) => labels[k] !== v)) return false;
  return ((selector.matchExpressions ?? []) as Requirement[]).every((r) => {
    const v = labels[r.key];
    if (r.operator === 'In') return v !== undefined && (r.values ?? []).includes(v);
    if (r.operator === 'NotIn') return v === undefined || !(r.values ?? []).includes(v);
    if (r.operator === 'Exists') return v !== undefined;
    return v === undefined;
  });
}

/**
 * The constraints that apply in the namespace, and their templates. Gatekeeper's webhook matches a constraint's
 * namespaceSelector before any engine runs; gator's CEL engine does not (it has no Namespace data), so the bench
 * does that matching for both sets up front.
 */
function forNamespace(docs: Obj[], ns: Scenario['namespace']): Obj[] {
  const labels = { ...ns.labels, 'kubernetes.io/metadata.name': ns.name };
  const constraints = docs.filter((d) => {
    if (!isConstraintApiVersion(String(d.apiVersion))) return false;
    const match = ((d.spec ?? {}) as Obj).match as Obj | undefined;
    return selects(match?.namespaceSelector as Obj | undefined, labels);
  });
  const kinds = new Set(constraints.map((c) => String(c.kind)));
  const templates = docs.filter(
    (d) =>
      d.kind === 'ConstraintTemplate' &&
      kinds.has(String((((d.spec as Obj).crd as Obj).spec as { names: { kind: string } }).names.kind)),
  );
  return [...templates, ...constraints];
}

function readSet(dir: string): Obj[] {
  const docs: Obj[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const d of loadAll(readFileSync(join(dir, file), 'utf8'))) if (d) docs.push(d as Obj);
  }
  return docs;
}

interface Figures {
  p50: number;
  p99: number;
  templates: number;
  constraints: number;
  skipped: number;
}

/** Milliseconds from a gator duration: a number of nanoseconds or a Go duration string ("1.234ms", "850µs"). */
function toMs(v: unknown): number {
  if (typeof v === 'number') return v / 1e6;
  const m = /^([\d.]+)\s*(ns|µs|us|ms|s)$/.exec(String(v).trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return { ns: n / 1e6, µs: n / 1e3, us: n / 1e3, ms: n, s: n * 1e3 }[m[2] as 'ns'];
}

function findKey(o: unknown, pattern: RegExp): unknown {
  if (o === null || typeof o !== 'object') return undefined;
  for (const [k, v] of Object.entries(o as Obj)) if (pattern.test(k) && (typeof v !== 'object' || v === null)) return v;
  for (const v of Object.values(o as Obj)) {
    const found = findKey(v, pattern);
    if (found !== undefined) return found;
  }
  return undefined;
}

function gatorBench(dir: string, engine: Engine, iterations: number): Figures {
  const run = spawnSync(
    gator,
    ['bench', '-f', dir, '--engine', engine, '-n', String(iterations), '--warmup', '20', '-o', 'json'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (run.error || run.status !== 0) throw new Error(`gator bench failed: ${run.error?.message ?? run.stderr}`);
  // gator may print warnings before the JSON document.
  const start = run.stdout.search(/^[[{]/m);
  const parsed = JSON.parse(run.stdout.slice(start)) as unknown;
  const result = Array.isArray(parsed) ? parsed[0] : parsed;
  const skipped = /skipp/i.test(run.stderr) ? (run.stderr.match(/^\s*-\s+\S+/gm) ?? []).length : 0;
  return {
    p50: toMs(findKey(result, /^p50$/i)),
    p99: toMs(findKey(result, /^p99$/i)),
    templates: Number(findKey(result, /^templateCount$/) ?? 0),
    constraints: Number(findKey(result, /^constraintCount$/) ?? 0),
    skipped,
  };
}

/**
 * Violations of one pass over the objects, as `gator test` reports them (the engine Gatekeeper would pick per
 * template). gator bench's own violationCount is not that under CEL: there it counts one per constraint and review.
 */
function violationsOf(dir: string): number {
  // gator test exits 1 when it finds violations; its JSON output is read either way.
  const run = spawnSync(gator, ['test', '-f', dir, '-o', 'json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const start = run.stdout.search(/^[[{]/m);
  if (run.error || start < 0) throw new Error(`gator test failed: ${run.error?.message ?? run.stderr}`);
  const parsed = JSON.parse(run.stdout.slice(start)) as unknown;
  return Array.isArray(parsed) ? parsed.length : 0;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

function writeSet(dir: string, docs: Obj[]): void {
  writeFileSync(join(dir, 'set.yaml'), docs.map((d) => dump(d, { lineWidth: -1, noRefs: true })).join('---\n'));
}

/** Runs `sets` on the same objects, round by round, alternating which goes first; median of the rounds. */
function interleaved(sets: { label: string; docs: Obj[] }[], objects: Obj[], engine: Engine, o: Options) {
  const work = mkdtempSync(join(tmpdir(), 'gatewright-bench-admission-'));
  try {
    const dirs = sets.map((s, i) => {
      const dir = join(work, String(i));
      spawnSync('mkdir', ['-p', dir]);
      writeSet(dir, [...s.docs, ...objects]);
      return dir;
    });
    const runs: Figures[][] = sets.map(() => []);
    for (let r = 0; r < o.rounds; r++) {
      const order = sets.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) runs[i]?.push(gatorBench(dirs[i] as string, engine, o.iterations));
    }
    return runs.map((rs, i) => ({
      label: (sets[i] as { label: string }).label,
      p50: median(rs.map((f) => f.p50)),
      p99: median(rs.map((f) => f.p99)),
      violations: violationsOf(dirs[i] as string),
      templates: rs[0]?.templates ?? 0,
      constraints: rs[0]?.constraints ?? 0,
    }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const fmt = (ms: number): string => `${ms.toFixed(3)} ms`;

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const peer = o.compare ? readSet(o.compare) : undefined;
  const scenarios = o.scenarios.length > 0 ? SCENARIOS.filter((s) => o.scenarios.includes(s.name)) : SCENARIOS;
  if (o.dump) {
    // The sets as gator bench reads them (DIR/<scenario>-<engine>-<set>/set.yaml), for profiling by hand.
    for (const scenario of scenarios) {
      const objects = [namespaceObject(scenario.namespace), ...benchWorkloads(scenario.namespace.name)];
      for (const engine of o.engines) {
        const sets = [{ label: 'gatewright', docs: oursFor(scenario, engine) }];
        if (peer && scenario.name === 'restricted')
          sets.push({ label: 'other', docs: forNamespace(peer, scenario.namespace) });
        for (const s of sets) {
          const dir = join(o.dump, `${scenario.name}-${engine}-${s.label}`);
          mkdirSync(dir, { recursive: true });
          writeSet(dir, [...s.docs, ...objects]);
          console.log(dir);
        }
      }
    }
    return;
  }
  console.log(
    `gator bench, ${o.iterations} iterations x ${o.rounds} interleaved rounds (median of rounds), ` +
      `${benchWorkloads('x').length} objects + their namespace${peer ? `; other set: ${o.compare}` : ''}`,
  );
  console.log(
    `${'scenario'.padEnd(16)} ${'engine'.padEnd(6)} ${'set'.padEnd(10)} ${'tmpl'.padStart(4)} ${'cons'.padStart(4)} ` +
      `${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'viol'.padStart(5)}   ours/other p50  p99`,
  );
  for (const scenario of scenarios) {
    const objects = [namespaceObject(scenario.namespace), ...benchWorkloads(scenario.namespace.name)];
    for (const engine of o.engines) {
      const sets = [{ label: 'gatewright', docs: oursFor(scenario, engine) }];
      // The other set is written for a restricted namespace: compared there only.
      if (peer && scenario.name === 'restricted')
        sets.push({ label: 'other', docs: forNamespace(peer, scenario.namespace) });
      const rows = interleaved(sets, objects, engine, o);
      const [ours, other] = rows;
      for (const row of rows) {
        const ratio =
          row === ours && other
            ? `   ${(row.p50 / other.p50).toFixed(2).padStart(14)} ${(row.p99 / other.p99).toFixed(2).padStart(4)}`
            : '';
        console.log(
          `${scenario.name.padEnd(16)} ${engine.padEnd(6)} ${row.label.padEnd(10)} ${String(row.templates).padStart(4)} ` +
            `${String(row.constraints).padStart(4)} ${fmt(row.p50).padStart(10)} ${fmt(row.p99).padStart(10)} ` +
            `${String(row.violations).padStart(5)}${ratio}`,
        );
      }
    }
  }
  if (o.profile) {
    // One template (with its constraints) at a time, at restricted: where the time goes.
    const scenario = SCENARIOS[0] as Scenario;
    const objects = [namespaceObject(scenario.namespace), ...benchWorkloads(scenario.namespace.name)];
    for (const engine of o.engines) {
      const docs = oursFor(scenario, engine);
      console.log(`\nper template at restricted (${engine}): p50 / p99 with only that template's constraints`);
      for (const t of docs.filter((d) => d.kind === 'ConstraintTemplate')) {
        const kind = String((((t.spec as Obj).crd as Obj).spec as { names: { kind: string } }).names.kind);
        const constraints = docs.filter((d) => d.kind === kind);
        // The pod-security template also one member control at a time (its constraint naming only that control).
        const parts: [string, Obj[]][] = [[kind, constraints]];
        if (kind === POD_SECURITY_KIND)
          for (const c of constraints)
            for (const [member, parameters] of Object.entries(((c.spec as Obj).parameters ?? {}) as Obj))
              parts.push([
                `  ${member}`,
                [{ ...c, spec: { ...(c.spec as Obj), parameters: { [member]: parameters } } }],
              ]);
        for (const [label, cs] of parts) {
          const [row] = interleaved([{ label, docs: [t, ...cs] }], objects, engine, { ...o, rounds: 1 });
          if (row)
            console.log(
              `${engine.padEnd(6)} ${label.padEnd(34)} ${fmt(row.p50).padStart(10)} ${fmt(row.p99).padStart(10)}`,
            );
        }
      }
    }
  }
  if (o.scale.length > 0) {
    const scenario = SCENARIOS[0] as Scenario;
    console.log(`\nOne privileged Pod with N containers at restricted (per review; ms per container = p50 / N)`);
    for (const engine of o.engines) {
      for (const n of o.scale) {
        const objects = [namespaceObject(scenario.namespace), privilegedPod(scenario.namespace.name, n)];
        const sets = [{ label: 'gatewright', docs: oursFor(scenario, engine) }];
        if (peer) sets.push({ label: 'other', docs: forNamespace(peer, scenario.namespace) });
        const iterations = Math.max(3, Math.min(o.iterations, Math.round(4000 / n)));
        for (const row of interleaved(sets, objects, engine, { ...o, iterations, rounds: 1 })) {
          console.log(
            `${engine.padEnd(6)} ${row.label.padEnd(10)} N=${String(n).padEnd(5)} p50 ${fmt(row.p50).padStart(12)}  ` +
              `p99 ${fmt(row.p99).padStart(12)}  ${(row.p50 / n).toFixed(4)} ms/container`,
          );
        }
      }
    }
  }
}

main();
