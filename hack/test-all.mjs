#!/usr/bin/env node
// Runs every test suite of the project and ends with one line `N passed, N failed` summing all of them, which is
// the line CI reads (it does not read jest's or opa's own summaries). Each suite's own output is shown as it runs.
// Usage: node hack/test-all.mjs [suite…]   (suites: lint typecheck generated rego coverage gator unit scenarios conformance e2e faults incluster)
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(repo);
const bin = (name) => join(repo, 'hack', '.bin', name);
/** A failure message's first lines, colour codes, code frames and stack frames left out. */
const firstLines = (message, n) =>
  message
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\s+at /.test(l) && !/^\s*>?\s*\d+ \|/.test(l) && !/^\s+\|/.test(l))
    .slice(0, n)
    .map((l) => `    ${l.trim()}`);

const jestJson = (project, { paths = [], env } = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewright-jest-'));
  const file = join(dir, 'result.json');
  // Tests append what a failure needs to be understood (cluster state, logs) here; it is printed beside the summary.
  const notes = join(dir, 'failure-notes.txt');
  return {
    // Paths before --selectProjects: it takes every argument after it as a project name.
    command: ['node', '--experimental-vm-modules', 'node_modules/jest/bin/jest.js', ...(paths.length > 0 ? ['--runTestsByPath', ...paths] : []), '--selectProjects', project, '--runInBand', '--json', `--outputFile=${file}`],
    env: { ...env, GATEWRIGHT_FAILURE_NOTES: notes },
    count: () => {
      try {
        const r = JSON.parse(readFileSync(file, 'utf8'));
        // Each failed test by name with the first lines of its message, then the tests' own notes: CI keeps only the
        // end of the output, and jest's report of a long suite is mostly elsewhere.
        const digest = [];
        for (const suite of r.testResults ?? []) {
          const path = suite.name.replace(`${repo}/`, '');
          if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) {
            digest.push(`  ${path}: did not run`, ...firstLines(suite.message ?? '', 4));
          }
          for (const t of suite.assertionResults ?? []) {
            if (t.status !== 'failed') continue;
            digest.push(`  ${path} › ${t.fullName}`, ...firstLines(t.failureMessages.join('\n'), 3));
          }
        }
        try {
          const text = readFileSync(notes, 'utf8').trim().split('\n');
          digest.push('  notes the tests left:', ...text.slice(0, 70).map((l) => `    ${l.slice(0, 240)}`));
        } catch {
          // no notes
        }
        return { passed: r.numPassedTests, failed: r.numFailedTests + r.numRuntimeErrorTestSuites, digest };
      } catch {
        // No result file: jest stopped before running any test (a failed global set-up). One failure, not a crash.
        return { passed: 0, failed: 1 };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
};

/** A step that is one test: passed when its command exits 0. */
const single = (command) => ({ command, count: (_out, code) => (code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }) });

/** gator verify output: count the cases (indented `--- PASS: case` lines under each test), not the per-test summaries. */
const gatorCases = (out, code) => {
  const passed = (out.match(/^\s+--- PASS: /gm) ?? []).length;
  const failed = (out.match(/^\s+--- FAIL: /gm) ?? []).length;
  return { passed, failed: failed + (code !== 0 && failed === 0 ? 1 : 0) };
};

// OPA's own capabilities plus Gatekeeper's `external_data` builtin (verify-image-signatures calls it; its tests mock it
// with `with external_data as …`), so `opa check` and `opa test` accept the templates Gatekeeper accepts.
const opaCapabilities = () => {
  const file = join(mkdtempSync(join(tmpdir(), 'gatewright-opa-')), 'capabilities.json');
  const run = spawnSync(bin('opa'), ['capabilities', '--current'], { encoding: 'utf8' });
  if (run.status !== 0) return file; // opa missing: the steps below fail and say so
  const caps = JSON.parse(run.stdout);
  caps.builtins.push({ name: 'external_data', decl: { type: 'function', args: [{ type: 'any' }], result: { type: 'any' } } });
  writeFileSync(file, JSON.stringify(caps));
  return file;
};
const capabilities = opaCapabilities();

const unit = jestJson('unit');
const e2e = jestJson('e2e');
const scenarios = jestJson('scenarios');
const incluster = jestJson('incluster');
// Issue 14's fault table (about 2 minutes): on a control plane of its own, since it stops and freezes its processes.
const faults = jestJson('e2e', { paths: ['test/e2e/faults-table.test.ts'], env: { GATEWRIGHT_FAULT_TABLE: '1' } });

const suites = {
  lint: [single(['npx', 'eslint', '.']), single(['npx', 'prettier', '--check', '.'])],
  typecheck: [single(['npx', 'tsc', '-p', 'tsconfig.json', '--noEmit'])],
  generated: [
    single(['node', 'dist/cli/main.js', 'templates', 'build', '--check']),
    single(['node', 'dist/cli/main.js', 'crds', '--check']),
  ],
  rego: [
    single([bin('opa'), 'check', '--strict', '--capabilities', capabilities, '--ignore', '*.yaml', 'templates']),
    {
      command: [bin('opa'), 'test', '--capabilities', capabilities, '--ignore', '*.yaml', 'templates'],
      count: (out, code) => {
        const m = /PASS: (\d+)\/(\d+)/.exec(out);
        const fails = /FAIL: (\d+)\/(\d+)/.exec(out);
        if (m) return { passed: Number(m[1]), failed: Number(m[2]) - Number(m[1]) };
        if (fails) return { passed: Number(fails[2]) - Number(fails[1]), failed: Number(fails[1]) };
        return code === 0 ? { passed: 0, failed: 0 } : { passed: 0, failed: 1 };
      },
    },
  ],
  coverage: [
    {
      // The library's own coverage by its opa tests, test files left out; the target is 90% or more.
      command: [bin('opa'), 'test', '--coverage', '--capabilities', capabilities, '--ignore', '*.yaml', 'templates'],
      count: (out) => {
        let covered = 0;
        let missed = 0;
        try {
          for (const [file, v] of Object.entries(JSON.parse(out).files)) {
            if (file.endsWith('_test.rego')) continue;
            const lines = (rs) => (rs ?? []).reduce((n, r) => n + r.end.row - r.start.row + 1, 0);
            covered += lines(v.covered);
            missed += lines(v.not_covered);
          }
        } catch {
          return { passed: 0, failed: 1 };
        }
        const percent = (100 * covered) / Math.max(1, covered + missed);
        console.log(`opa test coverage of templates (test files left out): ${covered}/${covered + missed} lines = ${percent.toFixed(1)}%`);
        return percent >= 90 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
      },
      quiet: true,
    },
  ],
  // Every suite under both Gatekeeper engines: Rego, then CEL with the same assertions (src/conformance/cel-suites.ts).
  gator: [
    {
      command: [bin('gator'), 'verify', '-v', './...', '--enable-k8s-native-validation=false'],
      cwd: 'templates',
      count: gatorCases,
    },
    { command: ['node', 'dist/conformance/cel-suites.js'], count: gatorCases },
  ],
  unit: [unit],
  scenarios: [scenarios],
  conformance: [
    {
      command: ['node', 'dist/conformance/run.js'],
      count: (out, code) => {
        let passed = 0;
        let failed = 0;
        for (const m of out.matchAll(/^(baseline|restricted) v1\.\d+ \[(?:rego|cel)\]: (\d+)\/(\d+)$/gm)) {
          passed += Number(m[2]);
          failed += Number(m[3]) - Number(m[2]);
        }
        return { passed, failed: failed + (code !== 0 && failed === 0 ? 1 : 0) };
      },
    },
  ],
  e2e: [e2e],
  faults: [faults],
  // gatewright and Gatekeeper as Deployments on a real node (hack/node/); needs root, as CI has.
  incluster: [incluster],
};

const wanted = process.argv.slice(2);
const chosen = wanted.length > 0 ? wanted : Object.keys(suites);
const rows = [];
const failures = [];
for (const name of chosen) {
  const steps = suites[name];
  if (!steps) {
    console.error(`unknown suite ${name}; suites: ${Object.keys(suites).join(' ')}`);
    process.exit(2);
  }
  for (const step of steps) {
    console.log(`\n=== ${name}: ${step.command.join(' ')}`);
    const started = Date.now();
    const r = spawnSync(step.command[0], step.command.slice(1), { cwd: step.cwd, env: { ...process.env, ...step.env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (!step.quiet) process.stdout.write(out.length > 20000 ? `${out.slice(0, 4000)}\n… (${out.length - 8000} characters left out) …\n${out.slice(-4000)}` : out);
    const counted = step.count(out, r.status ?? 1);
    rows.push({ name, seconds: (Date.now() - started) / 1000, ...counted });
    if (counted.failed > 0) failures.push({ name, out, digest: counted.digest });
  }
}

// CI shows only the end of the output: each failed step's last message lines (stack frames left out) are repeated
// here, next to the summary, so the reason a suite failed is in what CI keeps.
for (const { name, out, digest } of failures) {
  if (digest && digest.length > 0) {
    console.log(`\n--- ${name} failed:\n${digest.join('\n')}`);
    continue;
  }
  const lines = out.split('\n').filter((l) => l.trim() !== '' && !/^\s+at /.test(l));
  console.log(`\n--- ${name} failed; its last lines:\n${lines.slice(-25).join('\n')}`);
}

console.log('\nsuite         passed  failed  seconds');
for (const r of rows) console.log(`${r.name.padEnd(12)} ${String(r.passed).padStart(7)} ${String(r.failed).padStart(7)} ${r.seconds.toFixed(1).padStart(8)}`);
const passed = rows.reduce((s, r) => s + r.passed, 0);
const failed = rows.reduce((s, r) => s + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
