import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** What a pid file keeps about one process, enough for a later `down` to stop it safely. */
export interface ProcessRecord {
  name: string;
  pid: number;
  /** The path the process was started with (argv[0]); checked before killing so a reused pid is never hit. */
  binary: string;
  logFile: string;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep running after this Node process exits (`cli up`); otherwise the harness stops it. */
  outliveParent?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A child process in its own process group (so Ctrl-C in the terminal does not reach it and the harness decides the
 * stop order), with stdout and stderr appended to a log file.
 */
export class ManagedProcess {
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly record: ProcessRecord,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
    });
  }

  static start(name: string, binary: string, args: string[], logFile: string, opts: StartOptions = {}): ManagedProcess {
    const log = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(binary, args, {
        detached: true,
        stdio: ['ignore', log, log],
        env: opts.env ?? process.env,
        cwd: opts.cwd,
      });
    } finally {
      closeSync(log);
    }
    if (child.pid === undefined) throw new Error(`could not start ${name} (${binary})`);
    if (opts.outliveParent) child.unref();
    return new ManagedProcess({ name, pid: child.pid, binary, logFile }, child);
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Why the process ended, for error messages. */
  describeExit(): string {
    if (this.exitInfo === undefined) return `${this.record.name} is running`;
    const { code, signal } = this.exitInfo;
    return `${this.record.name} exited (${signal ?? `code ${code}`}); last log lines:\n${tailLog(this.record.logFile)}`;
  }

  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    signalGroup(this.record.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const gracePassed = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    const stopped = await Promise.race([this.exited.then(() => true), gracePassed]);
    clearTimeout(timer); // a pending timer would keep the test runner alive after teardown
    if (!stopped) {
      signalGroup(this.record.pid, 'SIGKILL');
      await this.exited;
    }
  }

  /** Last-resort synchronous kill, for `process.on('exit')` where nothing can be awaited. */
  killNow(): void {
    if (this.running) signalGroup(this.record.pid, 'SIGKILL');
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** True if `record.pid` is alive and still runs the binary we started (not a recycled pid). */
export function isRecordedProcessAlive(record: ProcessRecord): boolean {
  try {
    const argv0 = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === record.binary;
  } catch {
    return false;
  }
}

/** Stops a process known only from a pid file (a run that crashed or was started by `cli up`). */
export async function stopRecordedProcess(record: ProcessRecord, graceMs = 5000): Promise<void> {
  if (!isRecordedProcessAlive(record)) return;
  signalGroup(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRecordedProcessAlive(record)) return;
    await sleep(100);
  }
  signalGroup(record.pid, 'SIGKILL');
  while (isRecordedProcessAlive(record)) await sleep(50);
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The first few error-looking lines of a log (usage dumps bury them) followed by its last lines. */
export function tailLog(file: string, lines = 20): string {
  let all: string[];
  try {
    all = readFileSync(file, 'utf8').trimEnd().split('\n');
  } catch {
    return '(no log)';
  }
  const tail = all.slice(-lines);
  const errors = all
    .slice(0, -lines)
    .filter((l) => /error|fatal|panic|flag provided but not defined/i.test(l))
    .slice(0, 5);
  return [...errors, ...(errors.length > 0 ? ['...'] : []), ...tail].join('\n');
}
