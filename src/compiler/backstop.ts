// A fail-closed backstop for the Pod Security Standards. Gatekeeper's validating webhook fails open: while it cannot
// answer, the API server admits everything. For the baseline controls that matter most (privileged containers, host
// namespaces, hostPath volumes, capabilities beyond the runtime's defaults) the compiler also emits
// ValidatingAdmissionPolicies, which the API server evaluates itself (admissionregistration.k8s.io/v1, Kubernetes
// ≥ 1.30), so these controls hold with Gatekeeper stopped.
//
// Verdicts are those of the Gatekeeper checks (templates/privileged-container, host-network, host-processes,
// host-paths, capabilities): the same objects (Pods, and with controllerValidation the workloads' pod templates), the
// same namespaces (level and action labels, the module defaults, exempt namespaces, Gatekeeper's own namespace and
// its ignore label), the same skip-pss-check object selector, one policy and binding per enforcement action in use
// (deny → Deny, warn → Warn, dryrun → Audit), and messages that name the same constraint as Gatekeeper's.
//
// SecurityPolicyExceptions: a VAP cannot look an object up by a name found in the request. The compiler reads the
// exceptions itself and writes what each grants for these controls into the policy as a CEL literal (namespace →
// exception name → granted values). A container is checked against the exception its own label names, else the
// pod's; a name that exists nowhere grants nothing. An edit of an exception reaches the policy on the next reconcile
// pass, as it reaches Gatekeeper when its inventory syncs. (An earlier variant read the exceptions as the binding's
// parameters: with `paramRef.selector`, a namespace whose exceptions the API server's parameter cache did not list
// yet, or no longer, left an object naming one judged by no evaluation at all, i.e. admitted.)
import type { GatekeeperAction } from '../api/types.js';
import type { K8sObject } from './model.js';
import { admissionPolicy } from './admission-policy.js';
import { BASELINE_CAPABILITIES, PSS_OBJECT_SELECTOR, type StandardSet } from './pss.js';

export const BACKSTOP_PREFIX = 'gatewright-backstop';
export const GATEKEEPER_NAMESPACE = 'gatekeeper-system';
const GATEKEEPER_IGNORE_LABEL = 'admission.gatekeeper.sh/ignore';
const EXCEPTION_LABEL = 'security.deckhouse.io/security-policy-exception';
const CONTAINER_EXCEPTION_PREFIX = 'security.deckhouse.io/security-policy-exception.container.';

const VALIDATION_ACTIONS: Record<GatekeeperAction, string> = { deny: 'Deny', warn: 'Warn', dryrun: 'Audit' };

/**
 * What one SecurityPolicyException grants for the backstop's controls, every value a list of strings (the API
 * server's CEL requires homogeneous literals): `privileged`, `hostNetwork`, `hostPID`, `hostIPC` hold `['true']`
 * when allowed; `capabilities` the capabilities it lets a container add; `hostPaths` and `hostPathsReadOnly` the
 * host paths it allows writable and read-only only (as written; the CEL normalizes both sides alike).
 */
export type ExceptionGrants = Record<string, string[]>;

/** A SecurityPolicyException in the cluster and what it grants. */
export interface ExceptionRef {
  namespace: string;
  name: string;
  grants: ExceptionGrants;
}

export interface BackstopInput {
  /** The baseline sets of the standards, one per action in use (their selectors say where each applies). */
  baselineSets: StandardSet[];
  controllerValidation: boolean;
  exemptNamespaces: string[];
  exceptions: ExceptionRef[];
}

const lit = (s: string): string => JSON.stringify(s);

/** The resources the checks cover: Pods (ephemeral containers are added through a subresource) and workloads. */
function resourceRules(controllerValidation: boolean): Record<string, unknown>[] {
  const operations = ['CREATE', 'UPDATE'];
  const pods = { apiGroups: [''], apiVersions: ['v1'], operations, resources: ['pods', 'pods/ephemeralcontainers'] };
  if (!controllerValidation) return [pods];
  return [
    { ...pods, resources: [...pods.resources, 'replicationcontrollers'] },
    { apiGroups: ['apps'], apiVersions: ['v1'], operations, resources: ['daemonsets', 'deployments', 'statefulsets'] },
    { apiGroups: ['batch'], apiVersions: ['v1'], operations, resources: ['cronjobs', 'jobs'] },
  ];
}

/** `kube-*` → `kube-.*`, everything else literal: the RE2 regex CEL's matches() runs (linear time). */
function globToRegex(glob: string): string {
  return glob
    .split('*')
    .map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, (c) => `\\${c}`))
    .join('.*');
}

/** CEL: the request's namespace is one Gatekeeper never judges here (exempt list, globs, its own namespace). */
export function exemptNamespaceExpression(exemptNamespaces: string[]): string {
  const all = [...new Set([...exemptNamespaces, GATEKEEPER_NAMESPACE])].sort();
  const exact = all.filter((n) => !n.includes('*'));
  const globs = all.filter((n) => n.includes('*'));
  const parts = [`request.namespace in [${exact.map(lit).join(', ')}]`];
  if (globs.length > 0) parts.push(`request.namespace.matches(${lit(`^(?:${globs.map(globToRegex).join('|')})$`)})`);
  return parts.join(' || ');
}

/** Where the pod spec and its labels live, for each kind (as templates/lib/common.rego reads them). */
const POD_SPEC =
  "request.kind.kind == 'Pod' ? object.spec : request.kind.kind == 'CronJob' ? " +
  'object.spec.jobTemplate.spec.template.spec : object.spec.template.spec';
const POD_LABELS =
  "request.kind.kind == 'Pod' ? object.metadata.?labels.orValue({}) : request.kind.kind == 'CronJob' ? " +
  'object.spec.jobTemplate.spec.template.?metadata.?labels.orValue({}) : ' +
  'object.spec.template.?metadata.?labels.orValue({})';

/** CEL: the exception a container is checked against ('' for none): its own label, else the pod's. */
const containerException = (c: string): string =>
  `variables.podLabels[?(${lit(CONTAINER_EXCEPTION_PREFIX)} + ${c}.name)].orValue(variables.podException)`;

/**
 * What the exceptions grant. Without any exception in the cluster nothing is granted and the expressions say so
 * plainly; with some, `grant(name, key)` is the CEL list of values the exception `name` (a CEL string) grants for
 * `key`, `[]` when it grants none or does not exist.
 */
interface Grants {
  none: boolean;
  grant(name: string, key: string): string;
}

const NO_GRANTS: Grants = { none: true, grant: () => '[]' };

const INLINE_GRANTS: Grants = {
  none: false,
  grant: (name, key) => `variables.exceptions[?${name}].?${key}.orValue([])`,
};

interface Control {
  name: string;
  /** CEL: true when the object breaks the control. */
  violation(g: Grants): string;
  /** CEL string: the fields that break it, for the message. */
  found(g: Grants): string;
  allowed: string;
}

const POD = 'variables.podException';

function controls(): Control[] {
  const granted = (g: Grants, name: string, key: string) => (g.none ? 'false' : `('true' in ${g.grant(name, key)})`);
  const privileged = (g: Grants) =>
    `variables.containers.filter(c, c.?securityContext.?privileged.orValue(false) == true && ` +
    `!${granted(g, containerException('c'), 'privileged')})`;
  const hostNamespace = (field: string): Control => ({
    name: field,
    violation: (g) => `variables.podSpec.?${field}.orValue(false) == true && !${granted(g, POD, field)}`,
    found: () => lit(`${field} is true`),
    allowed: 'false',
  });
  // A hostPath volume is admitted only by an exception listing its exact path (trailing slashes aside, no `..`);
  // a read-only entry admits it only when every mount of it is read-only (templates/host-paths).
  const normalized = (p: string) => `${p}.find('^.*[^/]')`;
  const listed = (g: Grants, key: string, v: string) =>
    `${g.grant(POD, key)}.exists(a, ${normalized('a')} == ${normalized(`${v}.hostPath.path`)})`;
  const writableMount = (v: string) =>
    `variables.containers.exists(c, c.?volumeMounts.orValue([]).exists(m, m.name == ${v}.name && ` +
    'm.?readOnly.orValue(false) != true))';
  const badHostPaths = (g: Grants) =>
    g.none
      ? 'variables.podSpec.?volumes.orValue([]).filter(v, has(v.hostPath))'
      : `variables.podSpec.?volumes.orValue([]).filter(v, has(v.hostPath) && ` +
        `(('..' in ${normalized('v.hostPath.path')}.split('/')) || ` +
        `!(${listed(g, 'hostPaths', 'v')} || (${listed(g, 'hostPathsReadOnly', 'v')} && !${writableMount('v')}))))`;
  const baseline = `[${BASELINE_CAPABILITIES.map(lit).join(', ')}]`;
  const extraCaps = (g: Grants, c: string) =>
    `${c}.?securityContext.?capabilities.?add.orValue([]).filter(cap, !(cap in ${baseline})` +
    (g.none ? ')' : ` && !${g.grant(containerException(c), 'capabilities')}.exists(a, a == cap || a == 'ALL'))`);
  const capContainers = (g: Grants) => `variables.containers.filter(c, ${extraCaps(g, 'c')}.size() > 0)`;
  return [
    {
      name: 'privileged',
      violation: (g) => `${privileged(g)}.size() > 0`,
      found: (g) =>
        `'securityContext.privileged is true in container(s) ' + ${privileged(g)}.map(c, c.name).join(', ')`,
      allowed: 'false',
    },
    hostNamespace('hostNetwork'),
    hostNamespace('hostPID'),
    hostNamespace('hostIPC'),
    {
      name: 'hostPathVolumes',
      violation: (g) => `${badHostPaths(g)}.size() > 0`,
      found: (g) => `'hostPath volume(s) ' + ${badHostPaths(g)}.map(v, v.hostPath.path).join(', ')`,
      allowed: 'no host paths',
    },
    {
      name: 'capabilities_baseline',
      violation: (g) => `${capContainers(g)}.size() > 0`,
      found: (g) =>
        `'securityContext.capabilities.add has ' + ${capContainers(g)}` +
        `.map(c, c.name + ': ' + ${extraCaps(g, 'c')}.join(' ')).join(', ')`,
      allowed: BASELINE_CAPABILITIES.join(', '),
    },
  ];
}

const SUBJECT =
  "request.kind.kind + ' ' + request.namespace + '/' + (object.metadata.?name.orValue('') != '' ? " +
  "object.metadata.name : object.metadata.?generateName.orValue('') + '*')";

/** CEL: a list of string literals. */
const list = (values: string[]): string => `[${values.map(lit).join(', ')}]`;

/**
 * CEL: what the exceptions of the request's namespace grant, by exception name. Only exceptions that grant something
 * here are written (an exception that grants nothing is the same as none).
 */
export function exceptionsExpression(exceptions: ExceptionRef[]): string {
  const byNamespace = new Map<string, Map<string, ExceptionGrants>>();
  for (const e of exceptions) {
    const granted = Object.entries(e.grants)
      .filter(([, values]) => values.length > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    if (granted.length === 0) continue;
    const names = byNamespace.get(e.namespace) ?? new Map<string, ExceptionGrants>();
    names.set(e.name, Object.fromEntries(granted));
    byNamespace.set(e.namespace, names);
  }
  if (byNamespace.size === 0) return '{}';
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const namespaces = sorted(byNamespace).map(
    ([ns, names]) =>
      `${lit(ns)}: {${sorted(names)
        .map(
          ([name, grants]) =>
            `${lit(name)}: {${Object.entries(grants)
              .map(([k, v]) => `${lit(k)}: ${list(v)}`)
              .join(', ')}}`,
        )
        .join(', ')}}`,
  );
  return `{${namespaces.join(', ')}}[?request.namespace].orValue({})`;
}

function variables(exceptions: ExceptionRef[]): { name: string; expression: string }[] {
  return [
    { name: 'podSpec', expression: POD_SPEC },
    { name: 'podLabels', expression: POD_LABELS },
    {
      name: 'containers',
      expression:
        'variables.podSpec.containers + variables.podSpec.?initContainers.orValue([]) + ' +
        'variables.podSpec.?ephemeralContainers.orValue([])',
    },
    { name: 'podException', expression: `variables.podLabels[?${lit(EXCEPTION_LABEL)}].orValue('')` },
    ...(exceptions.length > 0 ? [{ name: 'exceptions', expression: exceptionsExpression(exceptions) }] : []),
  ];
}

/** One action's policy and binding. */
function policyAndBinding(name: string, set: StandardSet, input: BackstopInput): K8sObject[] {
  const grants = exceptionsExpression(input.exceptions) === '{}' ? NO_GRANTS : INLINE_GRANTS;
  const exceptions = grants.none ? [] : input.exceptions;
  return admissionPolicy({
    name,
    // A failing expression must not deny where the standard only warns or audits.
    failurePolicy: set.action === 'deny' ? 'Fail' : 'Ignore',
    matchConstraints: { resourceRules: resourceRules(input.controllerValidation) },
    matchConditions: [
      { name: 'not-exempt-namespace', expression: `!(${exemptNamespaceExpression(input.exemptNamespaces)})` },
    ],
    variables: [...variables(exceptions), { name: 'subject', expression: SUBJECT }],
    validations: controls().map((c) => ({
      expression: `!(${c.violation(grants)})`,
      messageExpression:
        `${lit(`[${set.name}] `)} + variables.subject + ': ' + ${c.found(grants)} + ` +
        lit(`; allowed: ${c.allowed} (${c.name}, enforced by the API server)`),
      // Shown should the message expression fail.
      message: `[${set.name}] ${c.name}: not allowed by the baseline Pod Security Standard (enforced by the API server)`,
      reason: 'Forbidden',
    })),
    validationActions: [VALIDATION_ACTIONS[set.action]],
    matchResources: {
      namespaceSelector: {
        matchExpressions: [
          ...set.namespaceSelector.matchExpressions,
          { key: GATEKEEPER_IGNORE_LABEL, operator: 'DoesNotExist' },
        ],
      },
      objectSelector: PSS_OBJECT_SELECTOR,
    },
  });
}

/** The backstop's policies and bindings: one of each per action in use. */
export function backstopPolicies(input: BackstopInput): K8sObject[] {
  return input.baselineSets.flatMap((set) => policyAndBinding(`${BACKSTOP_PREFIX}-${set.action}`, set, input));
}

type Json = Record<string, unknown>;
const field = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json)[k] : undefined), o);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const allows = (spec: unknown, ...path: string[]): string[] =>
  field(spec, ...path, 'allowedValue') === true ? ['true'] : [];

/** What a SecurityPolicyException's spec grants for the backstop's controls (the fields templates/ read). */
export function exceptionGrants(spec: unknown): ExceptionGrants {
  const hostPaths = field(spec, 'volumes', 'hostPath', 'allowedValues');
  const entries = (Array.isArray(hostPaths) ? hostPaths : []).filter(
    (e): e is Json => typeof field(e, 'path') === 'string',
  );
  return {
    privileged: allows(spec, 'securityContext', 'privileged'),
    hostNetwork: allows(spec, 'network', 'hostNetwork'),
    hostPID: allows(spec, 'network', 'hostPID'),
    hostIPC: allows(spec, 'network', 'hostIPC'),
    capabilities: strings(field(spec, 'securityContext', 'capabilities', 'allowedValues', 'add')),
    hostPaths: entries.filter((e) => e.readOnly !== true).map((e) => e.path as string),
    hostPathsReadOnly: entries.filter((e) => e.readOnly === true).map((e) => e.path as string),
  };
}

/** Namespace, name and grants of each SecurityPolicyException object read from the cluster. */
export function exceptionRefs(exceptions: unknown[] | undefined): ExceptionRef[] {
  const refs: ExceptionRef[] = [];
  for (const e of exceptions ?? []) {
    const meta = (e as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
    if (typeof meta?.name === 'string' && typeof meta.namespace === 'string')
      refs.push({ namespace: meta.namespace, name: meta.name, grants: exceptionGrants(field(e, 'spec')) });
  }
  return refs;
}
