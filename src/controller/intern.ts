// One shared copy of each string value the watch caches keep. JSON.parse gives every watch event fresh copies of the
// same namespace names, kinds, label values and Rego text, and thousands of constraints repeat them (a heap snapshot
// at 200 + 200 policies: 7.1 of 16.5 MB of strings were duplicates). Property names need nothing: V8 already keeps
// one copy of each.

/** Longest string worth a table entry: Rego sources are a few KB; anything past this is rare and unique. */
const MAX_INTERNED_LENGTH = 64 * 1024;

export class StringInterner {
  private table = new Map<string, string>();

  /** @param maxEntries the table is dropped and started afresh at this size, so memory stays bounded under churn. */
  constructor(private readonly maxEntries = 200_000) {}

  get size(): number {
    return this.table.size;
  }

  string(s: string): string {
    if (s.length > MAX_INTERNED_LENGTH) return s;
    const shared = this.table.get(s);
    if (shared !== undefined) return shared;
    // Objects already cached keep their copies, which stay correct; only sharing with them is lost.
    if (this.table.size >= this.maxEntries) this.table = new Map();
    this.table.set(s, s);
    return s;
  }

  /**
   * Replaces, in place, every string value in a JSON tree with its shared copy, and returns the tree. In place because
   * the tree is the caller's own freshly parsed object; copying it would cost what interning saves.
   */
  tree<T>(value: T): T {
    if (typeof value === 'string') return this.string(value) as T;
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'string') value[i] = this.string(item);
        else if (item !== null && typeof item === 'object') this.tree(item);
      }
      return value;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (typeof item === 'string') record[key] = this.string(item);
      else if (item !== null && typeof item === 'object') this.tree(item);
    }
    return value;
  }
}
