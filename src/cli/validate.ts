// `gatewright validate`: offline validation of policy manifests, one line per error or warning, or JSON for machines.
// Errors are what the API server (CRD schema, CEL rules, gatewright's webhook) refuses; warnings are what it admits
// and returns to kubectl as `Warning:` lines. The same checkObject() decides both.
import { ManifestError, readManifests } from '../api/load.js';
import { checkObject, formatError, formatWarning, type ValidationError } from '../api/validate.js';

interface Writable {
  write(s: string): unknown;
}

export function runValidate(paths: string[], output: string, out: Writable, err: Writable): number {
  if (output !== 'text' && output !== 'json') {
    err.write(`error: --output must be text or json, not "${output}"\n`);
    return 2;
  }
  let results: { source: string; errors: ValidationError[]; warnings: ValidationError[] }[];
  try {
    results = readManifests(paths).map(({ source, doc }) => ({ source, ...checkObject(doc) }));
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    if (output === 'json')
      out.write(
        JSON.stringify({ valid: false, errors: [{ source: '', rule: 'read', message: e.message }] }, null, 2) + '\n',
      );
    else err.write(`${e.message}\n`);
    return 1;
  }
  const errors = results.flatMap((r) => r.errors.map((e) => ({ source: r.source, ...e })));
  const warnings = results.flatMap((r) => r.warnings.map((e) => ({ source: r.source, ...e })));
  if (output === 'json') {
    out.write(
      JSON.stringify({ valid: errors.length === 0, objects: results.length, errors, warnings }, null, 2) + '\n',
    );
  } else {
    for (const w of warnings) out.write(`${w.source}: Warning: ${formatWarning(w)}\n`);
    for (const e of errors) out.write(`${e.source}: ${formatError(e)}\n`);
    if (errors.length === 0)
      out.write(`${results.length} object(s) valid${warnings.length > 0 ? `, ${warnings.length} warning(s)` : ''}\n`);
  }
  return errors.length === 0 ? 0 : 1;
}
