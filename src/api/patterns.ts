// Matchers and syntax checks over user input, all linear in the input: regexes are judged by a real RE2 (re2js, a
// port of Go's regexp/syntax rules, which Gatekeeper's Rego runs), globs are matched without backtracking, and every
// string is length-capped before any pattern sees it.
import { RE2JS } from 're2js';

/** Why RE2 (Go's regexp, which Rego's regex.match uses) refuses the pattern, or undefined when it compiles. */
export function regexProblem(pattern: string): string | undefined {
  // Policies repeat the same few patterns (label rules, exemptions): each is compiled once. Bounded: a pattern is
  // capped at 1,024 characters, and the memo is emptied when it grows past REGEX_MEMO_SIZE entries.
  const known = regexVerdicts.get(pattern);
  if (known !== undefined) return known === '' ? undefined : known;
  let problem: string | undefined;
  try {
    RE2JS.compile(pattern);
  } catch (e) {
    problem = (e as Error).message.replace(/^error parsing regexp: /, '');
  }
  if (regexVerdicts.size >= REGEX_MEMO_SIZE) regexVerdicts.clear();
  regexVerdicts.set(pattern, problem ?? '');
  return problem;
}
const REGEX_MEMO_SIZE = 10_000;
const regexVerdicts = new Map<string, string>();

/**
 * `*` matches any run of characters (OPA's glob.match without delimiters, as the templates call it). The pattern is
 * cut at its stars; the first piece must start the value, the last end it, and the others are found left to right,
 * each at its first place (which is always a right choice for `*`-only globs). No backtracking: one pass over the
 * value per piece at worst, whatever the number of stars.
 */
export function globMatches(pattern: string, value: string): boolean {
  return globMatcher(pattern)(value);
}

/** globMatches with the pattern cut once, for matching many values. */
export function globMatcher(pattern: string): (value: string) => boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return (value) => value === pattern;
  const first = pieces[0] as string;
  const last = pieces[pieces.length - 1] as string;
  const middle = pieces.slice(1, -1).filter((p) => p !== '');
  return (value) => {
    if (first.length + last.length > value.length || !value.startsWith(first) || !value.endsWith(last)) return false;
    let at = first.length;
    const end = value.length - last.length;
    for (const piece of middle) {
      const found = value.indexOf(piece, at);
      if (found < 0 || found + piece.length > end) return false;
      at = found + piece.length;
    }
    return true;
  };
}

/**
 * Gatekeeper's match schema for `namespaces` and `excludedNamespaces` (pkg/target/matchcrd_constant.go:
 * `^\*?[-:a-z0-9]*\*?$`): a name with an optional leading and/or trailing `*`, nothing in the middle. Narrowed to what
 * a namespace name can be (no `:`), so an entry that Gatekeeper would accept but that matches no namespace is caught.
 */
export const NAMESPACE_GLOB = /^(\*|\*?[a-z0-9-]{1,63}\*?)$/;
export const NAMESPACE_GLOB_PATTERN = '^(\\*|\\*?[a-z0-9-]{1,63}\\*?)$';
export const NAMESPACE_GLOB_HINT =
  'a namespace name with an optional leading or trailing * (kube-*, *-system); Gatekeeper accepts no * in the middle';
