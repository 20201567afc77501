// Fuzz target through Gatekeeper's gator (issue 14, item 7): random policies, valid and invalid (the DVP documentation
// examples with random and with plausible edits, test/support/policy-fuzz.ts), are validated and compiled, and what would be in force
// is given to gator with hostile and benign Pods and Deployments in namespaces the policies select. Gatekeeper's own
// engine then evaluates every constraint's Rego with the parameters the compiler wrote: it must never fail (an
// evaluation error in the webhook is an admission allowed under failurePolicy Ignore). And an edit that makes a policy
// invalid, planned against what its valid form put in force, leaves every denial gator gave before.
// The seed is printed; GATEWRIGHT_FUZZ_SEED=<n> replays a run (the default one is fixed, so CI is reproducible).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { validateObject } from '../../src/api/validate.js';
import { compile } from '../../src/compiler/compile.js';
import type { K8sObject } from '../../src/compiler/model.js';
import { objectId, ownerKey, planChanges, type ObservedObject } from '../../src/controller/plan.js';
import { loadLibrary } from '../../src/library/load.js';
import { repoRoot } from '../support/doc-examples.js';
import { gatorTest } from '../support/gator.js';
import { editedPolicy, namespaceEdit, plausiblePolicy } from '../support/policy-fuzz.js';

type Doc = Record<string, unknown>;
const SEED = Number(process.env.GATEWRIGHT_FUZZ_SEED ?? 14);
const SETS = 14;
const library = loadLibrary(join(repoRoot, 'templates'), { forGator: true });

/** Every label the examples select namespaces by, on every namespace: each policy's match selects them all. */
const SELECTED = {
  'operation-policy.deckhouse.io/enabled': 'true',
  'operation-policy.deckhouse.io/baseline-enabled': 'true',
  'operation-policy.deckhouse.io/restricted-enabled': 'true',
  enforce: 'mypolicy',
};
const LEVELS = ['privileged', 'baseline', 'restricted'] as const;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const hostileContainer = {
  name: 'hostile',
  image: 'nginx:latest',
  ports: [{ containerPort: 80, hostPort: 80 }],
  securityContext: {
    privileged: true,
    allowPrivilegeEscalation: true,
    runAsUser: 0,
    runAsNonRoot: false,
    readOnlyRootFilesystem: false,
    procMount: 'Unmasked',
    capabilities: { add: ['SYS_ADMIN', 'NET_RAW', 'NET_ADMIN'] },
    seccompProfile: { type: 'Unconfined' },
    seLinuxOptions: { type: 'spc_t', user: 'root' },
    appArmorProfile: { type: 'Unconfined' },
  },
};
const hostileSpec = {
  hostNetwork: true,
  hostPID: true,
  hostIPC: true,
  priorityClassName: 'system-node-critical',
  automountServiceAccountToken: true,
  securityContext: {
    runAsUser: 0,
    fsGroup: 0,
    supplementalGroups: [0],
    sysctls: [
      { name: 'kernel.shm_rmid_forced', value: '1' },
      { name: 'net.core.somaxconn', value: '1024' },
    ],
  },
  volumes: [
    { name: 'root', hostPath: { path: '/' } },
    { name: 'tmp', emptyDir: {} },
  ],
  initContainers: [{ ...hostileContainer, name: 'init' }],
  containers: [{ ...hostileContainer, volumeMounts: [{ name: 'root', mountPath: '/host' }] }],
};
const benignSpec = {
  containers: [
    {
      name: 'app',
      image: 'registry.example.com/team/app@sha256:' + 'a'.repeat(64),
      resources: { limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
      readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
      securityContext: {
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        runAsUser: 1000,
        readOnlyRootFilesystem: true,
        seccompProfile: { type: 'RuntimeDefault' },
        capabilities: { drop: ['ALL'] },
      },
    },
  ],
};

/** A hostile and a benign Pod in every namespace; a hostile Deployment (the pod-template path) in the baseline one. */
function workloads(namespace: string): Doc[] {
  const labels = { app: 'fuzz' };
  return [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: `hostile-${namespace}`, namespace, labels }, spec: hostileSpec },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: `benign-${namespace}`, namespace, labels }, spec: benignSpec },
    ...(namespace === 'fuzz-baseline'
      ? [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: `hostile-deploy-${namespace}`, namespace, labels },
            spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: hostileSpec } },
          },
        ]
      : []),
  ];
}

/** The namespaces the random policies name (where they are valid names), and one per level, all selected. */
function namespacesFor(policies: Doc[]): { name: string; labels: Record<string, string> }[] {
  const named = new Set<string>();
  for (const p of policies) {
    const selector = ((p.spec as Doc | undefined)?.match as Doc | undefined)?.namespaceSelector as Doc | undefined;
    const names = selector?.matchNames;
    if (Array.isArray(names)) for (const n of names) if (typeof n === 'string' && DNS_LABEL.test(n)) named.add(n);
  }
  return [
    ...LEVELS.map((level) => ({ name: `fuzz-${level}`, level })),
    ...[...named].sort().map((name, i) => ({ name, level: LEVELS[i % LEVELS.length] as string })),
  ]
    .slice(0, 8)
    .map(({ name, level }) => ({
      name,
      labels: { ...SELECTED, 'security.deckhouse.io/pod-policy': level, 'kubernetes.io/metadata.name': name },
    }));
}

interface GatorRun {
  status: number | null;
  stderr: string;
  /** `Kind/constraint deny object` for every denial. */
  denials: Set<string>;
  results: number;
  /** Evaluation errors, as `Kind/constraint on object: message`. */
  errors: string[];
}

function gator(objects: K8sObject[], namespaces: { name: string; labels: Record<string, string> }[]): GatorRun {
  const run = gatorTest([
    ...objects.filter((o) => o.kind === 'ConstraintTemplate' || o.apiVersion.startsWith('constraints.gatekeeper.sh/')),
    ...namespaces.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: n })),
    ...namespaces.flatMap((n) => workloads(n.name)),
  ]);
  const denials = new Set(
    run.verdicts
      .filter((r) => r.enforcementAction === 'deny')
      .map((r) => `${r.constraint.kind}/${r.constraint.metadata.name} deny ${r.violatingObject.metadata.name}`),
  );
  // gator (like Gatekeeper) reports a Rego evaluation error as a verdict whose message is the error.
  const errors = run.verdicts
    .filter((r) => /\b(eval|rego)_[a-z_]+_error\b|^template:\d+:/.test(r.msg))
    .map((r) => `${r.constraint.kind}/${r.constraint.metadata.name} on ${r.violatingObject.metadata.name}: ${r.msg}`);
  return { status: run.status, stderr: run.stderr, denials, results: run.verdicts.length, errors };
}

/** A random policy set, each policy renamed after its set (names stay distinct across sets; odd names stay odd). */
const samples = fc
  .sample(
    fc.array(fc.oneof(editedPolicy, namespaceEdit, plausiblePolicy, plausiblePolicy), { minLength: 1, maxLength: 3 }),
    {
      numRuns: SETS,
      seed: SEED,
    },
  )
  .flatMap((set, i) =>
    set.map(({ base, edited }, j) => {
      const rename = (doc: Doc): Doc => {
        const metadata = doc.metadata as Doc | undefined;
        return typeof metadata?.name === 'string'
          ? { ...doc, metadata: { ...metadata, name: `f${i}-${j}-${metadata.name}` } }
          : doc;
      };
      return { base: rename(base), edited: rename(edited) };
    }),
  );

let before: GatorRun;
let after: GatorRun;
let invalidCount = 0;
let validCount = 0;
/** The policy (`Kind/name`) each constraint in force before belongs to, by `Kind/constraint`. */
const ownerOf = new Map<string, string>();
/** Policies that were valid before and whose edit is invalid (what the controller freezes). */
let invalidOwners = new Set<string>();

beforeAll(() => {
  process.stderr.write(`fuzz through gator: seed ${SEED} (GATEWRIGHT_FUZZ_SEED replays it)\n`);
  const edited = samples.map((s) => s.edited);
  for (const p of edited) validateObject(p);
  const namespaces = namespacesFor(edited);
  const result = compile({ policies: edited, namespaces, library });
  invalidCount = result.invalid.size;
  validCount = [...result.policies.keys()].filter((k) => !k.startsWith('PodSecurityStandard/')).length;

  // In force before: every base policy (valid). After: each edit planned against that, applied as the controller would.
  const bases = samples.map((s) => s.base);
  const baseResult = compile({ policies: bases, namespaces, library });
  const inForce = new Map(baseResult.objects.map((o) => [objectId(o), o]));
  const plan = planChanges(
    result,
    baseResult.objects.map((o) => structuredClone(o) as ObservedObject),
  );
  for (const o of baseResult.objects) ownerOf.set(`${o.kind}/${o.metadata.name}`, ownerKey(o));
  invalidOwners = new Set([...result.invalid.keys()].filter((key) => baseResult.policies.has(key)));
  for (const o of plan.prune) inForce.delete(objectId(o));
  for (const o of [...plan.applyFirst, ...plan.applyConstraints]) inForce.set(objectId(o), o);
  const started = Date.now();
  before = gator(baseResult.objects, namespaces);
  after = gator([...inForce.values()], namespaces);
  process.stderr.write(
    `fuzz through gator: ${samples.length} policies (${invalidCount} invalid), ${namespaces.length} namespaces, ` +
      `${before.results} + ${after.results} verdicts in ${Date.now() - started} ms\n`,
  );
}, 600_000);

describe('fuzz: random policies through validate, compile and gator', () => {
  it('an evaluation error is seen: a template whose Rego conflicts at run time is reported', () => {
    const broken = {
      apiVersion: 'templates.gatekeeper.sh/v1',
      kind: 'ConstraintTemplate',
      metadata: { name: 'd8fuzzbroken' },
      spec: {
        crd: { spec: { names: { kind: 'D8FuzzBroken' } } },
        targets: [
          {
            target: 'admission.k8s.gatekeeper.sh',
            rego: 'package d8fuzzbroken\nf(x) = 1 { x }\nf(x) = 2 { x }\nviolation[{"msg": m}] { m := sprintf("%v", [f(true)]) }\n',
          },
        ],
      },
    };
    const constraint = {
      apiVersion: 'constraints.gatekeeper.sh/v1beta1',
      kind: 'D8FuzzBroken',
      metadata: { name: 'broken' },
      spec: { match: { kinds: [{ apiGroups: [''], kinds: ['Pod'] }] } },
    };
    const run = gator([broken, constraint] as K8sObject[], namespacesFor([]).slice(0, 1));
    expect(run.errors.length).toBeGreaterThan(0);
    expect(run.errors.every((e) => e.includes('eval_conflict_error'))).toBe(true);
  });

  it('gator evaluates every constraint in force, before and after random valid and invalid edits, without an error', () => {
    expect(invalidCount).toBeGreaterThan(0); // the sample holds invalid policies, not only valid ones
    expect(validCount).toBeGreaterThan(0); // and valid ones, whose new parameters are in force
    for (const run of [before, after]) {
      expect([run.status === 0 || run.status === 1, run.stderr, run.errors]).toEqual([true, '', []]);
      // Live: the hostile workloads are denied (at least by the standards, which every set carries).
      expect([...run.denials].some((d) => d.endsWith(' hostile-fuzz-baseline'))).toBe(true);
    }
  });

  it('an edit that makes a policy invalid removes no denial that was in force (gator, before and after the plan)', () => {
    // Denials of policies whose edit stayed valid may change (the admin changed them); an invalid one's may not.
    const frozen = [...before.denials].filter((d) => invalidOwners.has(ownerOf.get(d.split(' ')[0] ?? '') ?? ''));
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen.filter((d) => !after.denials.has(d))).toEqual([]);
  });
});
