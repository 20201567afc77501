// Random policies for fuzzing (unit: test/unit/compiler/fuzz.test.ts; real API server: test/e2e/faults.test.ts): the
// DVP documentation examples with random edits at random paths, valid or not, as the API server would deliver them.
import fc from 'fast-check';
import { policyExamples, SLIPPED_EXAMPLE } from './doc-examples.js';

export const examples = policyExamples()
  .filter((e) => e.name !== SLIPPED_EXAMPLE && (e.kind === 'SecurityPolicy' || e.kind === 'OperationPolicy'))
  .map((e) => e.object);

/** Every path (as keys) to a value inside an object, arrays included. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setAt(object: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(object) ? [...object] : { ...(object as Record<string, unknown>) }) as Record<
    string | number,
    unknown
  >;
  copy[head] = setAt(copy[head], rest, value);
  return copy;
}

// Values an admin (or an attacker) might put anywhere: near-miss strings, globs in odd places, regex specials,
// quotes that would break out of a string literal, numbers out of range, wrong types.
export const oddString = fc.oneof(
  fc.constantFrom(
    'team-*-prod',
    '*',
    '**',
    'kube-*',
    '*-system',
    '',
    ' ',
    'A_B',
    'a'.repeat(300),
    '"] || true || ["',
    "') || true || ('",
    '(a+)+$',
    '[',
    'net.*.*.*.*.*.*.x',
    'registry.example.com/',
    'ALL',
    'SYS_ADMIN',
    '/',
    '/var/../etc',
    'Deny',
    'dryrun',
  ),
  fc.string({ maxLength: 12 }),
);
const oddValue = fc.oneof(
  oddString,
  fc.integer({ min: -70_000, max: 70_000 }),
  fc.constantFrom(0, -1, 65_536, 2 ** 31, 1.5, Number.MAX_SAFE_INTEGER),
  fc.boolean(),
  fc.constant(null),
  fc.array(oddString, { maxLength: 3 }),
  fc.dictionary(oddString, oddString, { maxKeys: 2 }),
);

/** A documentation example with 1–3 random edits: sometimes still valid, mostly not. */
export const editedPolicy = fc
  .record({
    base: fc.constantFrom(...examples),
    edits: fc.array(fc.tuple(fc.nat(), oddValue), { minLength: 1, maxLength: 3 }),
  })
  .map(({ base, edits }) => {
    let doc: unknown = base;
    for (const [pick, value] of edits) {
      const candidates = paths(doc).filter((p) => p.length > 0 && p[0] !== 'apiVersion' && p[0] !== 'kind');
      doc = setAt(doc, candidates[pick % candidates.length] as (string | number)[], value);
    }
    // As the API server (JSON) or a YAML file would deliver it.
    return { base, edited: JSON.parse(JSON.stringify(doc)) as Record<string, unknown> };
  });

/** Every string value of the examples: an edit that puts one elsewhere is often still valid. */
const exampleStrings = [
  ...new Set(
    examples.flatMap((e) =>
      paths(e)
        .map((p) => p.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], e))
        .filter((v): v is string => typeof v === 'string'),
    ),
  ),
].sort();

/**
 * A documentation example with 1–3 plausible edits, mostly still valid: a boolean flipped, a number moved a little,
 * a string swapped for another string of the examples, a list shortened or with an element repeated. Valid policies
 * with parameters no example has, so what they compile to is put in force and evaluated.
 */
export const plausiblePolicy = fc
  .record({
    base: fc.constantFrom(...examples),
    edits: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: -3, max: 3 })), { minLength: 1, maxLength: 3 }),
  })
  .map(({ base, edits }) => {
    let doc: unknown = base;
    for (const [pick, choice, delta] of edits) {
      const candidates = paths(doc).filter((p) => p.length > 1 && p[0] === 'spec');
      const path = candidates[pick % candidates.length] as (string | number)[];
      const value = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], doc);
      const next =
        typeof value === 'boolean'
          ? !value
          : typeof value === 'number'
            ? Math.max(0, value + delta)
            : typeof value === 'string'
              ? exampleStrings[choice % exampleStrings.length]
              : Array.isArray(value) && value.length > 0
                ? choice % 2 === 0
                  ? value.slice(1)
                  : [...value, value[choice % value.length]]
                : value;
      doc = setAt(doc, path, next);
    }
    return { base, edited: JSON.parse(JSON.stringify(doc)) as Record<string, unknown> };
  });

/** Namespace matching gets its own generator: that is where one bad glob used to halt every reconcile (HTTP 422). */
export const namespaceEdit = fc
  .record({
    base: fc.constantFrom(...examples),
    field: fc.constantFrom('matchNames', 'excludeNames'),
    names: fc.array(fc.oneof(oddString, fc.stringMatching(/^[a-z*-]{1,12}$/)), { minLength: 1, maxLength: 3 }),
  })
  .map(({ base, field, names }) => ({
    base,
    edited: setAt(base, ['spec', 'match', 'namespaceSelector', field], names) as Record<string, unknown>,
  }));
