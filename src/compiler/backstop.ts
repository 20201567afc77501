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
// SecurityPolicyExceptions: a VAP cannot look an object up by a name found in the request, so the compiler is told
// which exceptions exist. An object that names none of them (no exception label, or only names that do not exist)
// is judged as Gatekeeper judges it without an exception. An object that names an existing exception is judged by a
// second policy whose binding reads the namespace's SecurityPolicyExceptions as parameters
// (paramRef.selector, one evaluation per exception): each evaluation judges the containers that name that exception
// with what it allows, containers naming no existing exception with nothing, and leaves the rest to the evaluation of
// their own exception. Between the creation of an exception and the next reconcile pass, an object naming it is judged
// without it (as Gatekeeper does until its inventory has synced the exception).
import type { GatekeeperAction } from '../api/types.js';
import type { K8sObject } from './model.js';
import { BASELINE_CAPABILITIES, PSS_OBJECT_SELECTOR, type StandardSet } from './pss.js';

export const BACKSTOP_PREFIX = 'gatewright-backstop';
export const GATEKEEPER_NAMESPACE = 'gatekeeper-system';
const GATEKEEPER_IGNORE_LABEL = 'admission.gatekeeper.sh/ignore';
const EXCEPTION_LABEL = 'security.deckhouse.io/security-policy-exception';
const CONTAINER_EXCEPTION_PREFIX = 'security.deckhouse.io/security-policy-exception.container.';
const ADMISSION_API = 'admissionregistration.k8s.io/v1';

const VALIDATION_ACTIONS: Record<GatekeeperAction, string> = { deny: 'Deny', warn: 'Warn', dryrun: 'Audit' };

/** A SecurityPolicyException that exists in the cluster. */
export interface ExceptionRef {
  namespace: string;
  name: string;
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
const isKnown = (name: string): string => `(${name} != '' && ${name} in variables.knownExceptions)`;

/**
 * How an evaluation treats a scope (the pod, or one container) that names exception `name`. Without parameters no
 * exception grants anything. With one exception as parameter: it grants when it is the one named; a scope naming
 * another existing exception is left to that exception's evaluation.
 */
interface Grants {
  /** No exception is read: nothing is granted. */
  none: boolean;
  /** CEL: true when this evaluation leaves the scope to another one. */
  elsewhere(name: string): string;
  /** CEL: the value the exception allows at path, when it is the one named; `fallback` otherwise. */
  allowed(name: string, path: string[], fallback: string): string;
}

const NO_GRANTS: Grants = { none: true, elsewhere: () => 'false', allowed: (_n, _p, fallback) => fallback };

const PARAM_GRANTS: Grants = {
  none: false,
  elsewhere: (name) => `(${name} != params.metadata.name && ${isKnown(name)})`,
  allowed: (name, path, fallback) =>
    `(${name} == params.metadata.name ? params.?spec${path.map((p) => `.?${p}`).join('')}.orValue(${fallback}) : ${fallback})`,
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
  const privileged = (g: Grants) =>
    `variables.containers.filter(c, !${g.elsewhere(containerException('c'))} && ` +
    `c.?securityContext.?privileged.orValue(false) == true && ` +
    `${g.allowed(containerException('c'), ['securityContext', 'privileged', 'allowedValue'], 'false')} != true)`;
  const hostNamespace = (field: string): Control => ({
    name: field,
    violation: (g) =>
      `!${g.elsewhere(POD)} && variables.podSpec.?${field}.orValue(false) == true && ` +
      `${g.allowed(POD, ['network', field, 'allowedValue'], 'false')} != true`,
    found: () => lit(`${field} is true`),
    allowed: 'false',
  });
  // A hostPath volume is admitted only by an exception listing its exact path (trailing slashes aside, no `..`);
  // a read-only entry admits it only when every mount of it is read-only (templates/host-paths).
  const normalized = (p: string) => `${p}.find('^.*[^/]')`;
  const covering = (g: Grants, v: string) =>
    `${g.allowed(POD, ['volumes', 'hostPath', 'allowedValues'], '[]')}.filter(a, ` +
    `!('..' in ${normalized(`${v}.hostPath.path`)}.split('/')) && ` +
    `${normalized('a.path')} == ${normalized(`${v}.hostPath.path`)})`;
  const writableMount = (v: string) =>
    `variables.containers.exists(c, c.?volumeMounts.orValue([]).exists(m, m.name == ${v}.name && ` +
    'm.?readOnly.orValue(false) != true))';
  const badHostPaths = (g: Grants) =>
    g.none
      ? 'variables.podSpec.?volumes.orValue([]).filter(v, has(v.hostPath))'
      : `variables.podSpec.?volumes.orValue([]).filter(v, has(v.hostPath) && !${g.elsewhere(POD)} && ` +
        `!(${covering(g, 'v')}.exists(a, a.?readOnly.orValue(false) != true) || ` +
        `(${covering(g, 'v')}.size() > 0 && !${writableMount('v')})))`;
  const baseline = `[${BASELINE_CAPABILITIES.map(lit).join(', ')}]`;
  const extraCaps = (g: Grants, c: string) =>
    `${c}.?securityContext.?capabilities.?add.orValue([]).filter(cap, !(cap in ${baseline})` +
    (g.none
      ? ')'
      : ` && !${g.allowed(containerException(c), ['securityContext', 'capabilities', 'allowedValues', 'add'], '[]')}` +
        `.exists(a, a == cap || a == 'ALL'))`);
  const capContainers = (g: Grants) =>
    `variables.containers.filter(c, !${g.elsewhere(containerException('c'))} && ${extraCaps(g, 'c')}.size() > 0)`;
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

function variables(exceptions: ExceptionRef[]): Record<string, string>[] {
  const byNamespace = new Map<string, string[]>();
  for (const e of exceptions) byNamespace.set(e.namespace, [...(byNamespace.get(e.namespace) ?? []), e.name]);
  const known =
    byNamespace.size === 0
      ? '[]'
      : `{${[...byNamespace.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([ns, names]) => `${lit(ns)}: [${[...new Set(names)].sort().map(lit).join(', ')}]`)
          .join(', ')}}[?request.namespace].orValue([])`;
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
    { name: 'knownExceptions', expression: known },
    {
      // The object names an existing exception somewhere: the policy with parameters judges it.
      name: 'namesException',
      expression: `${isKnown(POD)} || variables.containers.exists(c, ${isKnown(containerException('c'))})`,
    },
  ];
}

function policy(name: string, set: StandardSet, input: BackstopInput, grants: Grants, withParams: boolean): K8sObject {
  // Objects naming an existing exception go to the policy with parameters; all others to the one without.
  const mine = withParams ? 'variables.namesException' : '!variables.namesException';
  return {
    apiVersion: ADMISSION_API,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      // A failing expression must not deny where the standard only warns or audits.
      failurePolicy: set.action === 'deny' ? 'Fail' : 'Ignore',
      ...(withParams ? { paramKind: { apiVersion: 'deckhouse.io/v1alpha1', kind: 'SecurityPolicyException' } } : {}),
      matchConstraints: { resourceRules: resourceRules(input.controllerValidation) },
      matchConditions: [
        { name: 'not-exempt-namespace', expression: `!(${exemptNamespaceExpression(input.exemptNamespaces)})` },
      ],
      variables: [...variables(input.exceptions), { name: 'subject', expression: SUBJECT }],
      validations: controls().map((c) => ({
        expression: `!(${mine}) || !(${c.violation(grants)})`,
        messageExpression:
          `${lit(`[${set.name}] `)} + variables.subject + ': ' + ${c.found(grants)} + ` +
          lit(`; allowed: ${c.allowed} (${c.name}, enforced by the API server)`),
        // Shown should the message expression fail.
        message: `[${set.name}] ${c.name}: not allowed by the baseline Pod Security Standard (enforced by the API server)`,
        reason: 'Forbidden',
      })),
    },
  };
}

function binding(name: string, set: StandardSet, withParams: boolean): K8sObject {
  return {
    apiVersion: ADMISSION_API,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: {
      policyName: name,
      validationActions: [VALIDATION_ACTIONS[set.action]],
      ...(withParams ? { paramRef: { selector: {}, parameterNotFoundAction: 'Allow' } } : {}),
      matchResources: {
        namespaceSelector: {
          matchExpressions: [
            ...set.namespaceSelector.matchExpressions,
            { key: GATEKEEPER_IGNORE_LABEL, operator: 'DoesNotExist' },
          ],
        },
        objectSelector: PSS_OBJECT_SELECTOR,
      },
    },
  };
}

/** The backstop's policies and bindings: per action in use, one without parameters and, with exceptions, one with. */
export function backstopPolicies(input: BackstopInput): K8sObject[] {
  const out: K8sObject[] = [];
  for (const set of input.baselineSets) {
    const name = `${BACKSTOP_PREFIX}-${set.action}`;
    out.push(policy(name, set, input, NO_GRANTS, false), binding(name, set, false));
    if (input.exceptions.length > 0) {
      const withExceptions = `${BACKSTOP_PREFIX}-exceptions-${set.action}`;
      out.push(policy(withExceptions, set, input, PARAM_GRANTS, true), binding(withExceptions, set, true));
    }
  }
  return out;
}

/** Namespace and name of each SecurityPolicyException object read from the cluster. */
export function exceptionRefs(exceptions: unknown[] | undefined): ExceptionRef[] {
  const refs: ExceptionRef[] = [];
  for (const e of exceptions ?? []) {
    const meta = (e as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
    if (typeof meta?.name === 'string' && typeof meta.namespace === 'string')
      refs.push({ namespace: meta.namespace, name: meta.name });
  }
  return refs;
}
