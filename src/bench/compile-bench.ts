// `make bench`: the compiler and `gatewright render` on the generator's policies with the real template library.
// Prints wall times and memory; nothing is asserted (figures, not a timed test). Targets on the 2-core reference
// machine: 1,000 + 1,000 policies and 500 namespaces compile in under 1 s and under 300 MB; `gatewright render` of the
// same input under 1 s end to end.
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { dump } from 'js-yaml';
import { CompileMemo, compile } from '../compiler/compile.js';
import { loadLibrary } from '../library/load.js';
import { benchNamespaces, benchPolicies, namespaceObject } from './generate.js';
import { passFigures } from './pass-bench.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const library = loadLibrary(join(root, 'templates'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${median(s).toFixed(0)} ms, min ${(s[0] as number).toFixed(0)} ms, max ${(s[s.length - 1] as number).toFixed(0)} ms (${s.length} runs)`;
};

function compileFigures(security: number, operation: number, namespaceCount: number, runs: number): void {
  const policies = benchPolicies(security, operation);
  const namespaces = benchNamespaces(namespaceCount);
  compile({ policies: policies.slice(0, 10), namespaces, library }); // warm the JIT and the ajv validators once
  const times: number[] = [];
  let objects = 0;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const result = compile({ policies, namespaces, library });
    times.push(performance.now() - start);
    objects = result.objects.length;
    if (result.invalid.size > 0) throw new Error(`bench input is invalid: ${[...result.invalid.values()][0]?.[0]}`);
  }
  // The controller's case: everything compiled once, then one policy edited (the memo recompiles only that one).
  const memo = new CompileMemo();
  compile({ policies, namespaces, library }, memo);
  const edits: number[] = [];
  for (let run = 0; run < runs; run++) {
    const edited = [...policies];
    const first = structuredClone(edited[0]) as { spec: { policies: { allowedHostPorts: unknown[] } } };
    first.spec.policies.allowedHostPorts = [{ min: 8000 + run, max: 9000 }];
    edited[0] = first as unknown as Record<string, unknown>;
    const start = performance.now();
    compile({ policies: edited, namespaces, library }, memo);
    edits.push(performance.now() - start);
  }
  console.log(
    `compile ${security.toLocaleString('en')} SecurityPolicies + ${operation.toLocaleString('en')} OperationPolicies + ${namespaceCount.toLocaleString('en')} namespaces → ${objects.toLocaleString('en')} objects`,
  );
  console.log(`  full compile:                 ${fmt(times)}`);
  console.log(`  one policy edited (memo):     ${fmt(edits)}`);
  console.log(`  peak RSS of this process so far: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

/** `gatewright render` as a user runs it: a new process, files in, manifests on stdout. */
function renderFigures(security: number, operation: number, namespaceCount: number, runs: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'gatewright-bench-'));
  try {
    const policiesFile = join(dir, 'policies.yaml');
    const namespacesFile = join(dir, 'namespaces.yaml');
    writeFileSync(
      policiesFile,
      benchPolicies(security, operation)
        .map((p) => JSON.stringify(p))
        .join('\n---\n'),
    );
    writeFileSync(
      namespacesFile,
      benchNamespaces(namespaceCount)
        .map((n) => JSON.stringify(namespaceObject(n)))
        .join('\n---\n'),
    );
    // The same policies as block-style YAML, as people write them: read by js-yaml instead of JSON.parse.
    const yamlPoliciesFile = join(dir, 'policies-block.yaml');
    writeFileSync(
      yamlPoliciesFile,
      benchPolicies(security, operation)
        .map((p) => dump(p))
        .join('---\n'),
    );
    const cli = join(root, 'dist', 'cli', 'main.js');
    const outFile = join(dir, 'rendered');
    const cases = [
      { output: 'yaml', input: policiesFile, label: 'JSON documents in' },
      { output: 'json', input: policiesFile, label: 'JSON documents in' },
      { output: 'yaml', input: yamlPoliciesFile, label: 'block YAML in' },
    ];
    for (const { output, input, label } of cases) {
      const times: number[] = [];
      let bytes = 0;
      for (let run = 0; run < runs; run++) {
        const outFd = openSync(outFile, 'w');
        const start = performance.now();
        const r = spawnSync(
          process.execPath,
          [cli, 'render', '-f', input, '--namespaces', namespacesFile, '-o', output],
          // Into a file, as `gatewright render > out.yaml` (a parent buffering 25–40 MB from a pipe would time itself).
          { stdio: ['ignore', outFd, 'pipe'], encoding: 'buffer' },
        );
        times.push(performance.now() - start);
        bytes = fstatSync(outFd).size;
        closeSync(outFd);
        if (r.status !== 0) throw new Error(`render failed: ${r.stderr.toString().slice(0, 500)}`);
      }
      console.log(
        `render -o ${output} of ${security.toLocaleString('en')} + ${operation.toLocaleString('en')} policies + ${namespaceCount} namespaces, ${label}, end to end (${(bytes / 1e6).toFixed(1)} MB out): ${fmt(times)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const only = process.argv[2];
if (!only || only === 'compile') {
  compileFigures(1000, 1000, 500, 5);
  compileFigures(5000, 5000, 2000, 3);
}
if (!only || only === 'render') renderFigures(1000, 1000, 500, 5);
if (!only || only === 'pass') {
  await passFigures(library, 200, 200, 40);
  await passFigures(library, 1000, 500, 10);
}
