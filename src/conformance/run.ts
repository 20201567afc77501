// `make conformance`: runs Kubernetes Pod Security Admission's own fixtures through the constraints the compiler
// renders for a baseline and a restricted namespace, with Gatekeeper's gator, and counts agreements: every `fail`
// fixture must be denied and every `pass` fixture admitted. Runs under both Gatekeeper engines (the module setting
// admission.engine Rego, and CEL) and prints `<level> v1.N [<engine>]: <agreeing>/<total>` per level and engine;
// `--engine rego|cel` runs one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load } from 'js-yaml';
import { compile } from '../compiler/compile.js';
import { POD_POLICY_LABEL } from '../compiler/pss.js';
import { loadLibrary } from '../library/load.js';
import { POLICY_API_VERSION } from '../api/resources.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixturesRoot = process.env.PSA_TESTDATA ?? join(root, 'hack', '.bin', 'psa-testdata');
const gator = process.env.GATOR ?? join(root, 'hack', '.bin', 'gator');
const LEVELS = ['baseline', 'restricted'] as const;

/** Fixtures that cannot agree by design, with the reason (documented in templates/README.md). Should stay empty. */
const KNOWN_DISAGREEMENTS: Record<string, string> = {};

function newestVersion(level: string): string {
  const versions = readdirSync(join(fixturesRoot, level)).filter((d) => /^v1\.\d+$/.test(d));
  versions.sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  const newest = versions.at(-1);
  if (!newest) throw new Error(`no v1.N folders in ${join(fixturesRoot, level)}`);
  return newest;
}

interface GatorResult {
  violatingObject?: { metadata?: { name?: string; namespace?: string } };
  enforcementAction?: string;
  msg?: string;
}

function main(): number {
  if (!existsSync(fixturesRoot)) {
    console.error(`PSA fixtures not found at ${fixturesRoot}: run make tools`);
    return 2;
  }
  const library = loadLibrary(join(root, 'templates'));
  const namespaces = LEVELS.map((level) => ({
    name: `pss-${level}`,
    labels: { [POD_POLICY_LABEL]: level, 'kubernetes.io/metadata.name': `pss-${level}` },
  }));
  const only = process.argv.indexOf('--engine');
  const engines = only >= 0 ? [process.argv[only + 1] as Engine] : ENGINES;
  let disagreements = 0;
  for (const engine of engines) disagreements += runEngine(engine, library, namespaces);
  return disagreements === 0 ? 0 : 1;
}

type Engine = 'rego' | 'cel';
const ENGINES: Engine[] = ['rego', 'cel'];

function runEngine(
  engine: Engine,
  library: ReturnType<typeof loadLibrary>,
  namespaces: { name: string; labels: Record<string, string> }[],
): number {
  const moduleConfig = {
    apiVersion: POLICY_API_VERSION,
    kind: 'ModuleConfig',
    metadata: { name: 'admission-policy-engine' },
    spec: { version: 1, settings: { admission: { engine: engine === 'cel' ? 'CEL' : 'Rego' } } },
  };
  const result = compile({ policies: [], moduleConfig, namespaces, library });
  let disagreements = 0;
  for (const level of LEVELS) {
    const version = newestVersion(level);
    const work = mkdtempSync(join(tmpdir(), `gatewright-conformance-${level}-`));
    try {
      const expected = new Map<string, 'pass' | 'fail'>();
      const docs: unknown[] = [...result.objects];
      for (const ns of namespaces)
        docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: ns.labels } });
      for (const outcome of ['pass', 'fail'] as const) {
        const dir = join(fixturesRoot, level, version, outcome);
        for (const file of readdirSync(dir)
          .filter((f) => f.endsWith('.yaml'))
          .sort()) {
          const pod = load(readFileSync(join(dir, file), 'utf8')) as { metadata: Record<string, unknown> };
          const name = `${outcome}-${file.slice(0, -'.yaml'.length)}`;
          pod.metadata = { ...pod.metadata, name, namespace: `pss-${level}` };
          expected.set(name, outcome);
          docs.push(pod);
        }
      }
      const input = join(work, 'input.yaml');
      writeFileSync(input, docs.map((d) => dump(d, { lineWidth: -1, noRefs: true })).join('---\n'));
      const run = spawnSync(
        gator,
        ['test', '-o', 'json', '-f', input, `--enable-k8s-native-validation=${engine === 'cel'}`],
        {
          encoding: 'utf8',
          maxBuffer: 256 * 1024 * 1024,
        },
      );
      if (run.error || (run.status !== 0 && run.status !== 1)) {
        console.error(`gator failed (${engine}): ${run.error?.message ?? run.stderr}`);
        return 1;
      }
      const results = (JSON.parse(run.stdout || '[]') ?? []) as GatorResult[];
      const denied = new Map<string, string[]>();
      for (const r of results) {
        const name = r.violatingObject?.metadata?.name;
        if (!name || r.violatingObject?.metadata?.namespace !== `pss-${level}`) continue;
        denied.set(name, [...(denied.get(name) ?? []), r.msg ?? '']);
      }
      let agreeing = 0;
      const lines: string[] = [];
      for (const [name, outcome] of expected) {
        const isDenied = denied.has(name);
        if ((outcome === 'fail') === isDenied) agreeing++;
        else if (KNOWN_DISAGREEMENTS[`${level}/${name}`] === undefined) {
          lines.push(
            outcome === 'fail'
              ? `  ${name}: PSA denies it, gatewright admits it`
              : `  ${name}: PSA admits it, gatewright denies it: ${denied.get(name)?.join(' | ')}`,
          );
        }
      }
      disagreements += lines.length;
      console.log(`${level} ${version} [${engine}]: ${agreeing}/${expected.size}`);
      for (const l of lines) console.log(l);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return disagreements;
}

process.exitCode = main();
