// Structured JSON logs in the Kubernetes style (kubernetes.io "System Logs", JSON format): one object per line on
// stdout with `ts` (Unix seconds, fractional), `level` and `msg` first, then the caller's keys. The object a line is
// about travels as `object: {kind, name, namespace}`; errors as `err` (the message) plus `stack`.
import type { Writable } from 'node:stream';
import winston from 'winston';

export type Logger = winston.Logger;

// winston's (triple-beam's) key for the finished line; Symbol.for avoids depending on triple-beam directly.
const MESSAGE = Symbol.for('message');

export interface LoggerOptions {
  /** winston npm levels: error, warn, info, http, verbose, debug, silly. Default `info`. */
  level?: string;
  /** Where the lines go; stdout unless a test captures them. */
  stream?: Writable;
  /** Keys on every line, e.g. `{ logger: 'gatewright' }`. */
  defaultMeta?: Record<string, unknown>;
  /** The clock, for tests. */
  now?: () => number;
}

/** A reference to a Kubernetes object, as it appears under `object` in a log line. */
export interface ObjectRef {
  kind: string;
  name: string;
  namespace?: string;
}

/** `{kind, name, namespace}` of an object, leaving out the namespace of a cluster-scoped one. */
export function objectRef(obj: { kind?: string; metadata?: { name?: string; namespace?: string } }): ObjectRef {
  const ref: ObjectRef = { kind: obj.kind ?? '', name: obj.metadata?.name ?? '' };
  if (obj.metadata?.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}

// Keys winston puts on `info` that must not be printed as they are.
const FIRST_KEYS = new Set(['level', 'message', 'ts', 'msg', 'timestamp', 'splat']);

/**
 * The final format: builds the line in a fixed key order. winston's own `format.json()` sorts keys alphabetically,
 * which would bury `msg` in the middle of the line.
 */
function kubernetesJson(now: () => number) {
  return winston.format((info) => {
    const line: Record<string, unknown> = {
      ts: Math.round(now()) / 1000,
      level: info.level,
      msg: typeof info.message === 'string' ? info.message : safeString(info.message),
    };
    for (const [key, value] of Object.entries(info)) {
      if (FIRST_KEYS.has(key) || key === 'stack') continue;
      if (value instanceof Error) {
        // The first error on the line is `err`; others keep their key but are flattened the same way.
        const name = key === 'error' || key === 'err' ? 'err' : key;
        line[name] = value.message;
        if (value.stack !== undefined && line.stack === undefined) line.stack = value.stack;
        continue;
      }
      line[key] = value;
    }
    // `logger.error(err)` and `logger.error('msg', err)`: winston's errors format already moved the stack onto info.
    if (typeof info.stack === 'string' && line.stack === undefined) line.stack = info.stack;
    info[MESSAGE] = safeStringify(line);
    return info;
  })();
}

function safeString(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === 'string' ? value : safeStringify(value);
}

/** JSON.stringify that survives cycles and bigints: a log call must never throw. */
function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { message: v.message, stack: v.stack };
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[Circular]';
      seen.add(v);
    }
    return v;
  });
}

/** A logger writing one Kubernetes-style JSON object per line. `logger.child({...})` adds keys for a reconcile. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  return winston.createLogger({
    level: opts.level ?? 'info',
    // errors() must sit on the logger, not the transport, or `logger.error(err)` loses its message (winston #1880).
    format: winston.format.combine(winston.format.errors({ stack: true }), kubernetesJson(opts.now ?? Date.now)),
    defaultMeta: opts.defaultMeta,
    transports: [new winston.transports.Stream({ stream: opts.stream ?? process.stdout })],
  });
}

/**
 * Resolves once every line logged so far has left the process: winston hands lines on through its own stream
 * pipeline (winston #228), and a pipe's writes are queued in the process once the pipe is full (a container's stdout
 * is a pipe), so a `process.exit()` right after `log.error()` can lose the very line that says why.
 */
export function flushLogger(log: Logger, stream: Writable = process.stdout, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    log.once('finish', () => {
      if (stream.writableLength === 0) setImmediate(done);
      else stream.once('drain', done);
    });
    // A watch or timer still running may log after end(): drop that line rather than throw "write after end".
    log.on('error', () => undefined);
    log.end();
  });
}

/** A logger that drops everything, for modules used without one. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
