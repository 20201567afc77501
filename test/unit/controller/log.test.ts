import { PassThrough } from 'node:stream';
import { describe, expect, test } from '@jest/globals';
import { createLogger, objectRef } from '../../../src/controller/log.js';

/** A logger writing into a buffer, and a way to read the lines it wrote as JSON. */
function capture(level = 'info') {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const logger = createLogger({ stream, level, now: () => 1764212400123, defaultMeta: { logger: 'gatewright' } });
  const lines = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return chunks
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => ({ raw: l, json: JSON.parse(l) as Record<string, unknown> }));
  };
  return { logger, lines };
}

describe('Kubernetes-style JSON lines', () => {
  test('ts in epoch seconds, level and msg come first, then the keys', async () => {
    const { logger, lines } = capture();
    logger.info('Applied ConstraintTemplate', { object: { kind: 'ConstraintTemplate', name: 'd8privileged' } });
    const [line] = await lines();
    expect(line!.raw).toBe(
      '{"ts":1764212400.123,"level":"info","msg":"Applied ConstraintTemplate","logger":"gatewright",' +
        '"object":{"kind":"ConstraintTemplate","name":"d8privileged"}}',
    );
  });

  test('a child logger carries its keys on every line, and a line can override them', async () => {
    const { logger, lines } = capture();
    const reconcile = logger.child({
      reconcileID: 'r-1',
      object: objectRef({ kind: 'SecurityPolicy', metadata: { name: 'genpol' } }),
    });
    reconcile.info('Reconciling');
    reconcile.warn('Waiting for Gatekeeper', { reconcileID: 'r-2', waitingFor: 'template ingestion' });
    const out = (await lines()).map((l) => l.json);
    expect(out[0]).toMatchObject({
      level: 'info',
      msg: 'Reconciling',
      reconcileID: 'r-1',
      object: { kind: 'SecurityPolicy', name: 'genpol' },
    });
    expect(out[0]!.object).not.toHaveProperty('namespace');
    expect(out[1]).toMatchObject({ level: 'warn', reconcileID: 'r-2', waitingFor: 'template ingestion' });
  });

  test('objectRef keeps the namespace of a namespaced object', () => {
    expect(objectRef({ kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } })).toEqual({
      kind: 'ConfigMap',
      name: 'c',
      namespace: 'ns',
    });
  });

  test('errors as an `err` key keep their message and stack', async () => {
    const { logger, lines } = capture();
    logger.error('Could not apply constraint', { err: new Error('HTTP 409: conflict') });
    const [line] = await lines();
    expect(line!.json).toMatchObject({ level: 'error', msg: 'Could not apply constraint', err: 'HTTP 409: conflict' });
    expect(line!.json.stack).toMatch(/^Error: HTTP 409: conflict\n\s+at /);
  });

  test('logger.error(err) logs the message and stack', async () => {
    const { logger, lines } = capture();
    logger.error(new Error('watch failed'));
    const [line] = await lines();
    expect(line!.json.msg).toBe('watch failed');
    expect(line!.json.stack).toMatch(/^Error: watch failed\n/);
  });

  test('levels below the threshold are dropped', async () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    logger.info('shown');
    expect((await lines()).map((l) => l.json.msg)).toEqual(['shown']);
  });

  test('a cyclic or bigint value does not break the line', async () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    logger.info('Odd values', { cyclic, big: 10n });
    const [line] = await lines();
    expect(line!.json).toMatchObject({ msg: 'Odd values', cyclic: { name: 'x', self: '[Circular]' }, big: '10' });
  });
});

describe('flushLogger', () => {
  // A real process with its stdout a full pipe, as a container's is: the line logged just before process.exit() is the
  // one that says why the process stopped. Runs the built module (dist/, which `make test` builds first).
  test('every line, the last one included, reaches a piped stdout before process.exit()', async () => {
    const { spawn } = await import('node:child_process');
    const { join } = await import('node:path');
    const modulePath = join(process.cwd(), 'dist', 'controller', 'log.js');
    const script = `
      const { createLogger, flushLogger } = await import(${JSON.stringify(modulePath)});
      const log = createLogger();
      for (let i = 0; i < 800; i++) log.info('filler', { i, pad: 'x'.repeat(200) });
      log.error('lost the Lease; exiting');
      await flushLogger(log);
      process.exit(1);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // 800 lines are 200 KB, three times a pipe's 64 KiB. Read slowly, so the pipe fills and the child's writes queue
    // up in its own process. Count to the end of the stream, not to the child's 'close': a paused stream's unread data
    // would be dropped there.
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 20);
    });
    const [code] = await Promise.all([
      new Promise<number | null>((resolve) => child.on('exit', resolve)),
      new Promise((resolve) => child.stdout.on('end', resolve)),
    ]);
    const lines = Buffer.concat(chunks).toString().trim().split('\n');
    expect(code).toBe(1);
    expect(lines).toHaveLength(801);
    expect(JSON.parse(lines[800] as string)).toMatchObject({ level: 'error', msg: 'lost the Lease; exiting' });
  });
});
