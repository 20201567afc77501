// Helpers for the rules the schema cannot say, shared by validate.ts and the field modules. All of them are linear in
// their input and read at most the capped part of it.
import { regexProblem } from './patterns.js';
import { CAPS } from './schema-builders.js';

/** Reports a finding at a field path; a warning admits the object, anything else refuses it. */
export type Report = (path: string, rule: string, message: string, severity?: 'warning') => void;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function show(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

/** The first CAPS.maxItems entries: the schema already refuses longer lists, so the rest need no more work. */
export function bounded(list: unknown[]): unknown[] {
  return list.length > CAPS.maxItems ? list.slice(0, CAPS.maxItems) : list;
}

/**
 * The strings of a list at their own indexes (a sparse array: forEach skips the rest), up to the caps; an over-long
 * string or a non-string is already an error of the schema.
 */
export function strings(v: unknown): string[] {
  const out: string[] = [];
  if (Array.isArray(v))
    bounded(v).forEach((x, i) => {
      if (typeof x === 'string' && x.length <= CAPS.maxLength) out[i] = x;
    });
  return out;
}

export function duplicateRules(parent: Record<string, unknown>, base: string, at: Report, fields: string[]): void {
  for (const field of fields) {
    const list = parent[field];
    if (Array.isArray(list)) reportDuplicates(bounded(list), (i) => `${base}.${field}[${i}]`, at);
  }
}

/** Deckhouse accepts duplicates and they mean nothing more: a warning, never a refusal. */
export function reportDuplicates(list: unknown[], pathOf: (i: number) => string, at: Report): void {
  if (list.length < 2) return;
  const first = new Map<string, number>();
  list.forEach((value, i) => {
    if (value === undefined) return;
    // Keys sorted: the API server hands the webhook objects with their keys reordered.
    const key = typeof value === 'string' ? value : sortedJson(value);
    const j = first.get(key);
    if (j === undefined) first.set(key, i);
    else
      at(
        pathOf(i),
        'duplicate',
        `Duplicate value: ${typeof value === 'string' ? show(value) : key} (already at index ${j}); it counts once`,
        'warning',
      );
  });
}

export function globListRules(list: unknown, path: string, pattern: RegExp, what: string, at: Report): void {
  strings(list).forEach((v, i) => {
    if (!pattern.test(v)) at(`${path}[${i}]`, 'glob', `Invalid value: "${v}": must be ${what}`);
  });
}

/** Regex lists are capped at 64 entries of 253 characters (schema-parts.ts regexList); RE2 compiles no more. */
const MAX_REGEXES = 64;
const MAX_REGEX_LENGTH = 253;

export function regexListRules(list: unknown, path: string, at: Report): void {
  strings(list)
    .slice(0, MAX_REGEXES)
    .forEach((v, i) => regexRule(v, `${path}[${i}]`, at));
}

export function regexRule(pattern: string, path: string, at: Report): void {
  if (pattern.length > MAX_REGEX_LENGTH) return; // already an error of the schema
  const problem = regexProblem(pattern);
  if (problem)
    at(
      path,
      'regex',
      `Invalid value: ${show(pattern)}: not a valid RE2 regular expression (Gatekeeper evaluates RE2): ${problem}`,
    );
}

/** JSON with object keys sorted, so equal entries compare equal whatever order their keys were written in. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}
