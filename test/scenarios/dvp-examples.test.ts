// End to end without the controller: every DVP documentation example is rendered by the compiler, and the output,
// with sample Pods, Deployments and Namespaces, is given to Gatekeeper's gator. The verdicts a user would see are
// asserted per scenario. One gator run reviews all scenarios, each in a namespace of its own.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { compile } from '../../src/compiler/compile.js';
import { loadLibrary } from '../../src/library/load.js';
import { policyExamples, repoRoot, SLIPPED_EXAMPLE } from '../support/doc-examples.js';
import { checkKindOf, gatorVerdicts } from '../support/gator.js';

type Labels = Record<string, string>;
interface Verdict {
  kind: string;
  constraint: string;
  action: string;
  msg: string;
}
interface Scenario {
  name: string;
  namespace: Labels | 'kube-system';
  object: Record<string, unknown>;
  /** Denied by these constraints (`Kind/name`), with the deny action. */
  deniedBy?: string[];
  /** Not denied at all. */
  admitted?: boolean;
  /** Not flagged by these constraints (other constraints may flag it). */
  notFlaggedBy?: string[];
  /** Flagged with this action (warn or dryrun) by this constraint, and not denied. */
  flagged?: { by: string; action: 'warn' | 'dryrun' };
  message?: RegExp;
}

const OPS = { 'operation-policy.deckhouse.io/enabled': 'true', 'security.deckhouse.io/pod-policy': 'privileged' };
const PRIVILEGED = { 'security.deckhouse.io/pod-policy': 'privileged' };
const BASELINE = { 'security.deckhouse.io/pod-policy': 'baseline' };
const RESTRICTED = { 'security.deckhouse.io/pod-policy': 'restricted' };

const goodContainer = {
  name: 'app',
  image: 'myrepo.example.com/team/app:1.2.3',
  imagePullPolicy: 'Always',
  resources: { limits: { memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
  livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
  readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
};
const restrictedContext = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
  capabilities: { drop: ['ALL'] },
};

function pod(spec: Record<string, unknown>, labels: Labels = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { labels },
    spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0' }], ...spec },
  };
}
const opsPod = (container: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  pod({ priorityClassName: 'production-high', containers: [{ ...goodContainer, ...container }], ...extra });
function deployment(podSpec: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {},
    spec: {
      selector: { matchLabels: { app: 'x' } },
      template: { metadata: { labels: { app: 'x' } }, spec: podSpec },
      ...extra,
    },
  };
}
const root = pod({ securityContext: { runAsUser: 0 } });
const privileged = pod({
  containers: [{ name: 'app', image: 'registry.example.com/app:1.0', securityContext: { privileged: true } }],
});
const restrictedPod = pod({
  containers: [{ name: 'app', image: 'registry.example.com/app:1.0', securityContext: restrictedContext }],
});

const BASE_DENY = 'd8-pod-security-baseline-deny-default';
const RESTRICTED_DENY = 'd8-pod-security-restricted-deny-default';

const SCENARIOS: Scenario[] = [
  // OperationPolicy "common"
  {
    name: 'common denies nginx:latest',
    namespace: OPS,
    object: opsPod({ image: 'nginx:latest' }),
    deniedBy: ['D8AllowedRepos/common', 'D8DisallowedTags/common'],
  },
  {
    name: 'common admits a pinned image from an allowed registry with probes',
    namespace: OPS,
    object: opsPod({}),
    admitted: true,
  },
  {
    name: 'common treats an image without a tag as latest',
    namespace: OPS,
    object: opsPod({ image: 'myrepo.example.com/team/app' }),
    deniedBy: ['D8DisallowedTags/common'],
    notFlaggedBy: ['D8AllowedRepos/common'],
  },
  {
    name: 'common does not let a look-alike registry through',
    namespace: OPS,
    object: opsPod({ image: 'myrepo.example.com.evil.io/app:1.0' }),
    deniedBy: ['D8AllowedRepos/common'],
  },
  {
    name: 'common admits a digest-pinned image',
    namespace: OPS,
    object: opsPod({ image: 'registry.deckhouse.io/base@sha256:' + 'a'.repeat(64) }),
    admitted: true,
  },
  {
    name: 'common requires a readiness probe',
    namespace: OPS,
    object: opsPod({ readinessProbe: undefined }),
    deniedBy: ['D8RequiredProbes/common'],
    message: /readinessProbe/,
  },
  {
    name: 'common requires a memory limit',
    namespace: OPS,
    object: opsPod({ resources: { requests: { cpu: '1', memory: '1Gi' } } }),
    deniedBy: ['D8RequiredResources/common'],
  },
  {
    name: 'common requires imagePullPolicy Always',
    namespace: OPS,
    object: opsPod({ imagePullPolicy: 'IfNotPresent' }),
    deniedBy: ['D8ImagePullPolicy/common'],
  },
  {
    name: 'common requires an allowed priority class',
    namespace: OPS,
    object: opsPod({}, { priorityClassName: 'best-effort' }),
    deniedBy: ['D8PriorityClass/common'],
  },
  {
    name: 'common requires ClusterFirstWithHostNet with hostNetwork',
    namespace: OPS,
    object: opsPod({}, { hostNetwork: true }),
    deniedBy: ['D8DNSPolicy/common'],
  },
  {
    name: 'common admits hostNetwork with ClusterFirstWithHostNet',
    namespace: OPS,
    object: opsPod({}, { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }),
    admitted: true,
  },
  {
    name: 'common denies duplicate env names',
    namespace: OPS,
    object: opsPod({
      env: [
        { name: 'A', value: '1' },
        { name: 'A', value: '2' },
      ],
    }),
    deniedBy: ['D8ContainerDuplicates/common'],
  },
  {
    name: 'common denies a Deployment keeping 10 revisions',
    namespace: OPS,
    object: deployment(
      { priorityClassName: 'production-high', containers: [goodContainer] },
      { revisionHistoryLimit: 10 },
    ),
    deniedBy: ['D8RevisionHistoryLimit/common'],
  },
  {
    name: 'common admits a compliant Deployment',
    namespace: OPS,
    object: deployment(
      { priorityClassName: 'production-high', containers: [goodContainer] },
      { revisionHistoryLimit: 2 },
    ),
    admitted: true,
  },
  {
    name: 'common checks Deployment templates (controllerValidation)',
    namespace: OPS,
    object: deployment(
      { priorityClassName: 'production-high', containers: [{ ...goodContainer, image: 'nginx:latest' }] },
      { revisionHistoryLimit: 2 },
    ),
    deniedBy: ['D8AllowedRepos/common'],
  },
  {
    name: 'common does not apply without its namespace label',
    namespace: PRIVILEGED,
    object: opsPod({ image: 'nginx:latest' }),
    admitted: true,
  },
  // Pod Security Standards
  {
    name: 'restricted namespace denies a root Pod',
    namespace: RESTRICTED,
    object: root,
    deniedBy: [`D8AllowedUsers/${RESTRICTED_DENY}`],
  },
  {
    name: 'restricted namespace admits a restricted Pod',
    namespace: RESTRICTED,
    object: restrictedPod,
    admitted: true,
  },
  {
    name: 'restricted namespace requires a seccomp profile',
    namespace: RESTRICTED,
    object: pod({
      containers: [
        { name: 'app', image: 'r/app:1', securityContext: { ...restrictedContext, seccompProfile: undefined } },
      ],
    }),
    deniedBy: [`D8AllowedSeccompProfiles/${RESTRICTED_DENY}`],
  },
  {
    name: 'restricted namespace requires allowPrivilegeEscalation false',
    namespace: RESTRICTED,
    object: pod({
      containers: [
        {
          name: 'app',
          image: 'r/app:1',
          securityContext: { ...restrictedContext, allowPrivilegeEscalation: undefined },
        },
      ],
    }),
    deniedBy: [`D8AllowPrivilegeEscalation/${RESTRICTED_DENY}`],
  },
  {
    name: 'restricted namespace denies an emptyDir-free hostPath volume',
    namespace: RESTRICTED,
    object: {
      ...restrictedPod,
      spec: { ...(restrictedPod.spec as object), volumes: [{ name: 'h', hostPath: { path: '/etc' } }] },
    },
    deniedBy: [`D8AllowedVolumeTypes/${RESTRICTED_DENY}`, `D8AllowedHostPaths/${RESTRICTED_DENY}`],
  },
  {
    // The restricted constraint holds the whole profile, the baseline controls included (one D8PodSecurity each).
    name: 'restricted namespace is checked by the baseline controls too',
    namespace: RESTRICTED,
    object: privileged,
    deniedBy: [`D8PrivilegedContainer/${RESTRICTED_DENY}`],
    notFlaggedBy: [`D8PrivilegedContainer/${BASE_DENY}`],
  },
  {
    name: 'restricted namespace admits a compliant Deployment',
    namespace: RESTRICTED,
    object: deployment(restrictedPod.spec as Record<string, unknown>),
    admitted: true,
  },
  {
    name: 'privileged namespace admits a privileged root Pod',
    namespace: PRIVILEGED,
    object: pod({
      securityContext: { runAsUser: 0 },
      hostNetwork: true,
      containers: [{ name: 'app', image: 'r/app:1', securityContext: { privileged: true } }],
    }),
    admitted: true,
  },
  {
    name: 'baseline namespace denies a privileged Pod',
    namespace: BASELINE,
    object: privileged,
    deniedBy: [`D8PrivilegedContainer/${BASE_DENY}`],
    message: /privileged/,
  },
  { name: 'baseline namespace admits a root Pod', namespace: BASELINE, object: root, admitted: true },
  {
    name: 'baseline namespace denies hostPath volumes',
    namespace: BASELINE,
    object: pod({ volumes: [{ name: 'h', hostPath: { path: '/var/log' } }] }),
    deniedBy: [`D8AllowedHostPaths/${BASE_DENY}`],
  },
  {
    name: 'baseline namespace admits a safe sysctl',
    namespace: BASELINE,
    object: pod({ securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] } }),
    admitted: true,
  },
  {
    name: 'baseline namespace denies an unsafe sysctl',
    namespace: BASELINE,
    object: pod({ securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }),
    deniedBy: [`D8AllowedSysctls/${BASE_DENY}`],
  },
  {
    name: 'baseline namespace denies SYS_ADMIN',
    namespace: BASELINE,
    object: pod({
      containers: [{ name: 'app', image: 'r/app:1', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }],
    }),
    deniedBy: [`D8AllowedCapabilities/${BASE_DENY}`],
  },
  {
    name: 'baseline namespace denies a privileged Deployment',
    namespace: BASELINE,
    object: deployment(privileged.spec as Record<string, unknown>),
    deniedBy: [`D8PrivilegedContainer/${BASE_DENY}`],
  },
  {
    name: 'an unlabelled namespace follows defaultPolicy Baseline',
    namespace: {},
    object: pod({ hostNetwork: true }),
    deniedBy: [`D8HostNetwork/${BASE_DENY}`],
  },
  { name: 'an unlabelled namespace is not restricted by default', namespace: {}, object: root, admitted: true },
  {
    name: 'pod-policy-action=warn warns instead of denying',
    namespace: { ...BASELINE, 'security.deckhouse.io/pod-policy-action': 'warn' },
    object: privileged,
    flagged: { by: 'D8PrivilegedContainer/d8-pod-security-baseline-warn', action: 'warn' },
  },
  {
    name: 'pod-policy-action=dryrun only records',
    namespace: { ...BASELINE, 'security.deckhouse.io/pod-policy-action': 'dryrun' },
    object: privileged,
    flagged: { by: 'D8PrivilegedContainer/d8-pod-security-baseline-dryrun', action: 'dryrun' },
  },
  {
    name: 'skip-pss-check leaves an object out of the standards',
    namespace: BASELINE,
    object: pod(
      { containers: [{ name: 'app', image: 'r/app:1', securityContext: { privileged: true } }] },
      { 'security.deckhouse.io/skip-pss-check': 'true' },
    ),
    admitted: true,
  },
  { name: 'kube-system is exempt', namespace: 'kube-system', object: privileged, admitted: true },
  // SecurityPolicy "mypolicy" (namespace label enforce=mypolicy)
  {
    name: 'mypolicy forbids hostPID',
    namespace: { ...PRIVILEGED, enforce: 'mypolicy' },
    object: pod({ hostPID: true }),
    deniedBy: ['D8HostProcesses/mypolicy'],
  },
  {
    name: 'mypolicy allows hostIPC',
    namespace: { ...PRIVILEGED, enforce: 'mypolicy' },
    object: pod({ hostIPC: true }),
    notFlaggedBy: ['D8HostProcesses/mypolicy'],
  },
  {
    name: 'mypolicy admits host port 3000',
    namespace: { ...PRIVILEGED, enforce: 'mypolicy' },
    object: pod({ containers: [{ name: 'app', image: 'r/app:1', ports: [{ containerPort: 3000, hostPort: 3000 }] }] }),
    notFlaggedBy: ['D8HostNetwork/mypolicy'],
  },
  {
    name: 'mypolicy denies host port 80',
    namespace: { ...PRIVILEGED, enforce: 'mypolicy' },
    object: pod({ containers: [{ name: 'app', image: 'r/app:1', ports: [{ containerPort: 80, hostPort: 80 }] }] }),
    deniedBy: ['D8HostNetwork/mypolicy'],
  },
  {
    name: 'mypolicy admits runAsUser 150',
    namespace: { ...PRIVILEGED, enforce: 'mypolicy' },
    object: pod({ securityContext: { runAsUser: 150, fsGroup: 150, supplementalGroups: [130] } }),
    notFlaggedBy: ['D8AllowedUsers/mypolicy'],
  },
  {
    name: 'mypolicy denies runAsUser 500',
    namespace: { ...PRIVILEGED, enforce: 'mypolicy' },
    object: pod({ securityContext: { runAsUser: 500, fsGroup: 150, supplementalGroups: [130] } }),
    deniedBy: ['D8AllowedUsers/mypolicy'],
  },
  {
    name: 'mypolicy requires a read-only root filesystem',
    namespace: { ...PRIVILEGED, enforce: 'mypolicy' },
    object: pod({}),
    deniedBy: ['D8ReadOnlyRootFilesystem/mypolicy'],
  },
  {
    name: 'mypolicy denies privileged containers',
    namespace: { ...PRIVILEGED, enforce: 'mypolicy' },
    object: privileged,
    deniedBy: ['D8PrivilegedContainer/mypolicy'],
  },
  {
    name: 'mypolicy denies emptyDir volumes',
    namespace: { ...PRIVILEGED, enforce: 'mypolicy' },
    object: pod({ volumes: [{ name: 'e', emptyDir: {} }] }),
    deniedBy: ['D8AllowedVolumeTypes/mypolicy'],
  },
  // The partial-enforcement SecurityPolicy examples "baseline" and "restricted"
  {
    name: 'SecurityPolicy baseline denies privileged containers',
    namespace: { ...PRIVILEGED, 'operation-policy.deckhouse.io/baseline-enabled': 'true' },
    object: privileged,
    deniedBy: ['D8PrivilegedContainer/baseline'],
  },
  {
    name: 'SecurityPolicy baseline admits a root Pod',
    namespace: { ...PRIVILEGED, 'operation-policy.deckhouse.io/baseline-enabled': 'true' },
    object: root,
    admitted: true,
  },
  {
    name: 'SecurityPolicy restricted denies a root Pod',
    namespace: { ...PRIVILEGED, 'operation-policy.deckhouse.io/restricted-enabled': 'true' },
    object: root,
    deniedBy: ['D8AllowedUsers/restricted'],
  },
  {
    name: 'SecurityPolicy restricted admits a restricted Pod',
    namespace: { ...PRIVILEGED, 'operation-policy.deckhouse.io/restricted-enabled': 'true' },
    object: restrictedPod,
    admitted: true,
  },
];

const verdicts = new Map<string, Verdict[]>();

beforeAll(() => {
  const library = loadLibrary(join(repoRoot, 'templates'), { forGator: true });
  const policies = policyExamples()
    .filter((e) => e.name !== SLIPPED_EXAMPLE)
    .map((e) => e.object);
  const namespaces = SCENARIOS.map((s, i) => ({
    name: s.namespace === 'kube-system' ? 'kube-system' : `scenario-${i}`,
    labels: s.namespace === 'kube-system' ? {} : s.namespace,
  }));
  const result = compile({ policies, namespaces, library });
  expect([...result.invalid.keys()]).toEqual([]);
  const docs: unknown[] = [...result.objects];
  for (const ns of namespaces)
    docs.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns.name, labels: { ...ns.labels, 'kubernetes.io/metadata.name': ns.name } },
    });
  SCENARIOS.forEach((s, i) => {
    const metadata = { ...(s.object.metadata as object), name: `scenario-${i}`, namespace: namespaces[i]?.name };
    docs.push({ ...s.object, metadata });
  });
  for (const r of gatorVerdicts(docs)) {
    const name = r.violatingObject.metadata.name;
    verdicts.set(name, [
      ...(verdicts.get(name) ?? []),
      { kind: checkKindOf(r), constraint: r.constraint.metadata.name, action: r.enforcementAction, msg: r.msg },
    ]);
  }
});

describe('DVP documentation examples, rendered and reviewed by gator', () => {
  it('has at least 40 scenarios', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(SCENARIOS.map((s, i) => [s.name, s, i] as const))('%s', (_name, s, i) => {
    const found = verdicts.get(`scenario-${i}`) ?? [];
    const ids = (action?: string) =>
      found.filter((v) => action === undefined || v.action === action).map((v) => `${v.kind}/${v.constraint}`);
    if (s.admitted) expect(ids('deny')).toEqual([]);
    for (const by of s.deniedBy ?? []) expect(ids('deny')).toContain(by);
    for (const by of s.notFlaggedBy ?? []) expect(ids()).not.toContain(by);
    if (s.flagged) {
      expect(ids(s.flagged.action)).toContain(s.flagged.by);
      expect(ids('deny')).toEqual([]);
    }
    if (s.message) expect(found.some((v) => s.message?.test(v.msg))).toBe(true);
  });
});
