import { describe, expect, test } from '@jest/globals';
import { OperatorMetrics } from '../../../src/controller/metrics.js';
import { WorkQueue } from '../../../src/controller/workqueue.js';

/** The value of one sample line in the exposition text, e.g. `gatewright_reconcile_total{controller="x",result="success"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics exposition', () => {
  test('names, help and types follow controller-runtime with the gatewright_ prefix', async () => {
    const m = new OperatorMetrics({ defaultMetrics: false });
    m.registerController('policy');
    const text = await m.exposition();
    for (const [name, type] of [
      ['gatewright_reconcile_total', 'counter'],
      ['gatewright_reconcile_errors_total', 'counter'],
      ['gatewright_reconcile_time_seconds', 'histogram'],
      ['gatewright_workqueue_depth', 'gauge'],
      ['gatewright_workqueue_adds_total', 'counter'],
      ['gatewright_workqueue_retries_total', 'counter'],
      ['gatewright_managed_objects', 'gauge'],
      ['gatewright_leader_election_master_status', 'gauge'],
      ['gatewright_api_write_requests_total', 'counter'],
      ['gatewright_watch_restarts_total', 'counter'],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
      expect(text).toMatch(new RegExp(`# HELP ${name} \\S`));
    }
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  test('every reconcile result starts at 0 once the controller is registered', async () => {
    const m = new OperatorMetrics({ defaultMetrics: false });
    m.registerController('policy');
    const text = await m.exposition();
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
      expect(sample(text, `gatewright_reconcile_total{controller="policy",result="${result}"}`)).toBe(0);
    }
    expect(sample(text, 'gatewright_reconcile_errors_total{controller="policy"}')).toBe(0);
  });

  test('reconciles, writes, leadership and managed objects are counted', async () => {
    const m = new OperatorMetrics({ defaultMetrics: false });
    m.recordReconcile('policy', 'success', 0.02);
    m.recordReconcile('policy', 'error', 0.3);
    m.recordApiWrite('patch', 'ConstraintTemplate');
    m.recordApiWrite('patch', 'ConstraintTemplate');
    m.recordApiWrite('delete', 'D8PrivilegedContainer');
    m.setLeader('gatewright', true);
    m.managedObjects.set({ kind: 'ConstraintTemplate' }, 12);
    const text = await m.exposition();
    expect(sample(text, 'gatewright_reconcile_total{controller="policy",result="success"}')).toBe(1);
    expect(sample(text, 'gatewright_reconcile_errors_total{controller="policy"}')).toBe(1);
    expect(sample(text, 'gatewright_reconcile_time_seconds_count{controller="policy"}')).toBe(2);
    expect(sample(text, 'gatewright_reconcile_time_seconds_bucket{le="0.025",controller="policy"}')).toBe(1);
    expect(sample(text, 'gatewright_api_write_requests_total{verb="patch",kind="ConstraintTemplate"}')).toBe(2);
    expect(sample(text, 'gatewright_leader_election_master_status{name="gatewright"}')).toBe(1);
    expect(sample(text, 'gatewright_managed_objects{kind="ConstraintTemplate"}')).toBe(12);
    expect(await m.apiWriteCount()).toBe(3);
    m.setLeader('gatewright', false);
    expect(sample(await m.exposition(), 'gatewright_leader_election_master_status{name="gatewright"}')).toBe(0);
  });

  test('the default process metrics are on by default', async () => {
    const text = await new OperatorMetrics().exposition();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  test('two instances have separate registries', async () => {
    const a = new OperatorMetrics({ defaultMetrics: false });
    const b = new OperatorMetrics({ defaultMetrics: false });
    a.recordApiWrite('create', 'Lease');
    expect(await a.apiWriteCount()).toBe(1);
    expect(await b.apiWriteCount()).toBe(0);
  });

  test('work queue hooks feed depth, adds, retries and reconcile totals', async () => {
    const m = new OperatorMetrics({ defaultMetrics: false });
    let failures = 2;
    const q = new WorkQueue({
      baseDelayMs: 1,
      hooks: m.workQueueHooks('policies', 'policy'),
      handler: async () => {
        if (failures-- > 0) throw new Error('not yet');
      },
    });
    q.add('p');
    const deadline = Date.now() + 2000;
    while (q.numRequeues('p') !== 0 || failures >= 0) {
      if (Date.now() > deadline) throw new Error('queue did not finish');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await q.onIdle();
    await q.shutdown();
    const text = await m.exposition();
    expect(sample(text, 'gatewright_workqueue_adds_total{name="policies"}')).toBe(3);
    expect(sample(text, 'gatewright_workqueue_retries_total{name="policies"}')).toBe(2);
    expect(sample(text, 'gatewright_workqueue_depth{name="policies"}')).toBe(0);
    expect(sample(text, 'gatewright_reconcile_total{controller="policy",result="error"}')).toBe(2);
    expect(sample(text, 'gatewright_reconcile_total{controller="policy",result="success"}')).toBe(1);
  });
});
