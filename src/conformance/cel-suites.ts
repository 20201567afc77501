// `node dist/conformance/cel-suites.js`: every gator suite of the library under Gatekeeper's CEL engine
// (`gator verify --enable-k8s-native-validation=true`), with the same assertions the Rego run passes, so the two
// engines must agree on every case: same verdict, same violation count, same message. One documented exception:
// the CEL engine cannot read SecurityPolicyExceptions (no inventory), so a case whose inventory holds one is
// expected to be denied under CEL (fail closed: the exception admits nothing), and that is asserted instead.
// Prints gator's own output, then one line: `cel suites: N cases, M with CEL code, K exception cases fail closed`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load, loadAll } from 'js-yaml';
import { checkFolders } from '../library/build.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const gator = process.env.GATOR ?? join(root, 'hack', '.bin', 'gator');

interface Case {
  name: string;
  object: string;
  inventory?: string[];
  assertions?: { violations?: string | number; message?: string }[];
}
interface Suite {
  tests?: { name: string; template: string; cases?: Case[] }[];
}

function namesException(folder: string, files: string[] | undefined): boolean {
  return (files ?? []).some((f) => {
    const path = join(folder, f);
    return (
      existsSync(path) &&
      loadAll(readFileSync(path, 'utf8')).some(
        (d) => (d as { kind?: string } | null)?.kind === 'SecurityPolicyException',
      )
    );
  });
}

function main(): number {
  const work = mkdtempSync(join(tmpdir(), 'gatewright-cel-suites-'));
  try {
    const templates = join(work, 'templates');
    cpSync(join(root, 'templates'), templates, { recursive: true });
    let cases = 0;
    let withCel = 0;
    const failClosed: string[] = [];
    for (const folder of checkFolders(templates)) {
      const dir = join(templates, folder);
      const suiteFile = join(dir, 'suite.yaml');
      if (!existsSync(suiteFile)) continue;
      const suite = load(readFileSync(suiteFile, 'utf8')) as Suite;
      for (const test of suite.tests ?? []) {
        const template = readFileSync(join(dir, test.template), 'utf8');
        const hasCel = template.includes('engine: K8sNativeValidation');
        for (const c of test.cases ?? []) {
          cases++;
          if (hasCel) withCel++;
          if (hasCel && namesException(dir, c.inventory)) {
            c.assertions = [{ violations: 'yes' }];
            failClosed.push(`${folder}/${test.name}//${c.name}`);
          }
        }
      }
      writeFileSync(suiteFile, dump(suite, { lineWidth: -1, noRefs: true }));
    }
    const run = spawnSync(gator, ['verify', '-v', './...', '--enable-k8s-native-validation=true'], {
      cwd: templates,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    process.stdout.write(run.stdout ?? '');
    process.stderr.write(run.stderr ?? '');
    for (const name of failClosed) console.log(`fail closed under CEL (exception not read): ${name}`);
    console.log(
      `cel suites: ${cases} cases, ${withCel} with CEL code, ${failClosed.length} exception cases fail closed`,
    );
    return run.status ?? 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = main();
