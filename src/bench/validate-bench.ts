// Figures of validation on hostile input (`make bench-validate`): the worst policies the caps allow, each validated a
// few times; prints the median and the worst time per policy. Validation must stay in milliseconds whatever the input.
import { checkObject } from '../api/validate.js';
import { POLICY_API_VERSION } from '../api/resources.js';

const securityPolicy = (name: string, policies: Record<string, unknown>) => ({
  apiVersion: POLICY_API_VERSION,
  kind: 'SecurityPolicy',
  metadata: { name },
  spec: { policies, match: { namespaceSelector: { matchNames: ['team-a'] } } },
});

const CASES: [string, unknown][] = [
  ['a plain policy', securityPolicy('plain', { allowHostPID: false, allowedCapabilities: ['CHOWN'] })],
  [
    '256 forbidden sysctl globs of 126 stars × 256 allowed names of 253 characters',
    securityPolicy('stars', {
      forbiddenSysctls: Array.from({ length: 256 }, (_, i) => `${'a*'.repeat(126)}${i}`),
      allowedUnsafeSysctls: Array.from({ length: 256 }, () => 'a'.repeat(253)),
    }),
  ],
  [
    'over the caps: 256 globs of 500 stars × 256 names of 1,000 characters',
    securityPolicy('over', {
      forbiddenSysctls: Array.from({ length: 256 }, () => `${'a*'.repeat(500)}b`),
      allowedUnsafeSysctls: Array.from({ length: 256 }, () => 'a'.repeat(1000)),
    }),
  ],
  [
    '10,000 repositories of 1 KiB',
    {
      ...securityPolicy('repos', {}),
      kind: 'OperationPolicy',
      spec: { policies: { allowedRepos: Array.from({ length: 10_000 }, () => 'r'.repeat(1024)) }, match: { namespaceSelector: { matchNames: ['a'] } } },
    },
  ],
  [
    '256 RE2 patterns of 1 KiB',
    {
      ...securityPolicy('regex', {}),
      kind: 'OperationPolicy',
      spec: { policies: { disallowedCustomResources: Array.from({ length: 256 }, () => `(a|aa)*${'(b?)'.repeat(200)}c`) }, match: { namespaceSelector: { matchNames: ['a'] } } },
    },
  ],
]; // prettier-ignore

for (const [what, doc] of CASES) {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    checkObject(doc);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`${what}: median ${times[2]?.toFixed(1)} ms, worst ${times[4]?.toFixed(1)} ms`);
}
