// A file that may change under the process: a mounted Secret, which the kubelet replaces by swapping a symlink
// (Kubernetes docs "Secrets", mounted Secrets are updated automatically). The value is parsed again when the file's
// size or mtime changes; a file that cannot be read or parsed keeps the last good value and reports the error, so a
// half-written update never takes a working certificate or key away.
import { readFileSync, statSync } from 'node:fs';

export class WatchedFile<T> {
  private stamp = '';
  private current?: T;
  private lastError?: string;

  constructor(
    readonly path: string,
    private readonly parse: (text: string) => T,
  ) {}

  /** The value now; throws only when the file never parsed. */
  get(): T {
    this.refresh();
    if (this.current === undefined) throw new Error(`${this.path}: ${this.lastError ?? 'not read'}`);
    return this.current;
  }

  /** Re-reads the file if it changed; true when a new value was taken. */
  refresh(): boolean {
    let stamp: string;
    try {
      const s = statSync(this.path);
      stamp = `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch (err) {
      this.lastError = String(err);
      return false;
    }
    if (stamp === this.stamp) return false;
    try {
      const value = this.parse(readFileSync(this.path, 'utf8'));
      this.stamp = stamp;
      this.current = value;
      this.lastError = undefined;
      return true;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  /** Why the last read failed, if it did. */
  error(): string | undefined {
    return this.lastError;
  }
}
