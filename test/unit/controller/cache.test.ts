import { describe, expect, it } from '@jest/globals';
import { gatekeeperStatus, sameButStatus, strip } from '../../../src/controller/cache.js';

const spec = { apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind: 'D8HostNetwork', status: gatekeeperStatus };
const constraint = (resourceVersion: string, status: Record<string, unknown>, spec_: Record<string, unknown> = {}) =>
  strip(spec, {
    apiVersion: spec.apiVersion,
    kind: spec.kind,
    metadata: { name: 'security-0', resourceVersion, generation: 1 },
    spec: { enforcementAction: 'deny', ...spec_ },
    status,
  } as never);

describe('sameButStatus (which watch events wake a pass at once)', () => {
  it("an audit's first totals change only the status", () => {
    const pod = { id: 'no-pod', observedGeneration: 1, enforced: true };
    expect(
      sameButStatus(constraint('1', { byPod: [pod] }), constraint('2', { byPod: [pod], totalViolations: 0 })),
    ).toBe(true);
  });

  it('a spec edit (drift) is not status-only', () => {
    expect(sameButStatus(constraint('1', {}), constraint('2', {}, { enforcementAction: 'dryrun' }))).toBe(false);
  });
});
