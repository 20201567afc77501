// The backstop's and the protection's shape. Their verdicts are checked where CEL really runs: by the API server, in
// test/e2e/faults.test.ts (PSA's own fixtures, exceptions, the Gatekeeper webhook unreachable).
import { describe, expect, it } from '@jest/globals';
import { compile, type CompilerInput } from '../../../src/compiler/compile.js';
import {
  exceptionGrants,
  exceptionRefs,
  exceptionsExpression,
  exemptNamespaceExpression,
} from '../../../src/compiler/backstop.js';
import type { K8sObject } from '../../../src/compiler/model.js';
import { stubLibrary } from '../../support/stub-library.js';

// Emitted specs are read field by field; the shapes are asserted by the expectations themselves.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Spec = Record<string, any>;
const library = stubLibrary();
const input = (over: Partial<CompilerInput> = {}): CompilerInput => ({
  policies: [],
  namespaces: [],
  library,
  ...over,
});
const admission = (objects: K8sObject[]) =>
  objects.filter((o) => o.apiVersion === 'admissionregistration.k8s.io/v1' && o.metadata.name.includes('backstop'));
const named = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as K8sObject & { spec: Spec };
const moduleConfig = (settings: Record<string, unknown>) => ({
  apiVersion: 'deckhouse.io/v1alpha1',
  kind: 'ModuleConfig',
  metadata: { name: 'admission-policy-engine' },
  spec: { version: 1, settings },
});

describe('backstop policies', () => {
  it('by default: one policy and one Deny binding, for namespaces not labelled privileged', () => {
    const objects = admission(compile(input()).objects);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ValidatingAdmissionPolicy/gatewright-backstop-deny',
      'ValidatingAdmissionPolicyBinding/gatewright-backstop-deny',
    ]);
    const binding = named(objects, 'ValidatingAdmissionPolicyBinding', 'gatewright-backstop-deny');
    expect(binding.spec).toEqual({
      policyName: 'gatewright-backstop-deny',
      validationActions: ['Deny'],
      matchResources: {
        namespaceSelector: {
          matchExpressions: [
            { key: 'security.deckhouse.io/pod-policy', operator: 'NotIn', values: ['privileged'] },
            { key: 'admission.gatekeeper.sh/ignore', operator: 'DoesNotExist' },
          ],
        },
        objectSelector: {
          matchExpressions: [{ key: 'security.deckhouse.io/skip-pss-check', operator: 'NotIn', values: ['true'] }],
        },
      },
    });
    const policy = named(objects, 'ValidatingAdmissionPolicy', 'gatewright-backstop-deny');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('gatewright');
    expect(policy.metadata.annotations?.['gatewright.dev/spec-hash']).toMatch(/^[0-9a-f]{64}$/);
    // Each control gets its own validation, worded with the constraint Gatekeeper would name.
    const messages = (policy.spec.validations as { messageExpression: string }[]).map((v) => v.messageExpression);
    expect(messages).toHaveLength(6);
    for (const m of messages) expect(m).toContain('[d8-pod-security-baseline-deny-default] ');
    expect(policy.spec.paramKind).toBeUndefined();
  });

  it('each action a namespace asks for gets its binding: warn → Warn, dryrun → Audit; only deny fails closed', () => {
    const namespaces = [
      { name: 'a', labels: { 'security.deckhouse.io/pod-policy-action': 'warn' } },
      { name: 'b', labels: { 'security.deckhouse.io/pod-policy-action': 'dryrun' } },
    ];
    const objects = admission(compile(input({ namespaces })).objects);
    const bindings = objects.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding') as (K8sObject & {
      spec: Spec;
    })[];
    expect(bindings.map((b) => [b.metadata.name, b.spec.validationActions[0]])).toEqual([
      ['gatewright-backstop-deny', 'Deny'],
      ['gatewright-backstop-dryrun', 'Audit'],
      ['gatewright-backstop-warn', 'Warn'],
    ]);
    const deny = bindings.find((b) => b.metadata.name === 'gatewright-backstop-deny');
    expect(deny?.spec.matchResources.namespaceSelector.matchExpressions).toContainEqual({
      key: 'security.deckhouse.io/pod-policy-action',
      operator: 'NotIn',
      values: ['dryrun', 'warn'],
    });
    const warn = named(objects, 'ValidatingAdmissionPolicy', 'gatewright-backstop-warn');
    expect(warn.spec.failurePolicy).toBe('Ignore');
    expect(JSON.stringify(warn.spec.validations)).toContain('[d8-pod-security-baseline-warn] ');
  });

  it('follows the module defaults: a Privileged default binds only namespaces labelled baseline or restricted', () => {
    const objects = admission(
      compile(
        input({
          moduleConfig: moduleConfig({
            podSecurityStandards: { defaultPolicy: 'Privileged', enforcementAction: 'Warn' },
          }),
        }),
      ).objects,
    );
    const binding = named(objects, 'ValidatingAdmissionPolicyBinding', 'gatewright-backstop-warn');
    expect(binding.spec.validationActions).toEqual(['Warn']);
    expect(binding.spec.matchResources.namespaceSelector.matchExpressions[0]).toEqual({
      key: 'security.deckhouse.io/pod-policy',
      operator: 'In',
      values: ['baseline', 'restricted'],
    });
  });

  it('matches Pods (with ephemeral containers) and, with controllerValidation, the same workloads as the checks', () => {
    const rules = (settings: Record<string, unknown>) =>
      named(
        admission(compile(input({ moduleConfig: moduleConfig(settings) })).objects),
        'ValidatingAdmissionPolicy',
        'gatewright-backstop-deny',
      ).spec.matchConstraints.resourceRules as { apiGroups: string[]; resources: string[] }[];
    expect(rules({}).flatMap((r) => r.resources.map((res) => `${r.apiGroups[0]}/${res}`))).toEqual([
      '/pods',
      '/pods/ephemeralcontainers',
      '/replicationcontrollers',
      'apps/daemonsets',
      'apps/deployments',
      'apps/statefulsets',
      'batch/cronjobs',
      'batch/jobs',
    ]);
    expect(rules({ podSecurityStandards: { controllerValidation: false } })).toEqual([
      {
        apiGroups: [''],
        apiVersions: ['v1'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['pods', 'pods/ephemeralcontainers'],
      },
    ]);
  });

  it('leaves out the exempt namespaces (globs as anchored RE2) and always Gatekeeper’s own', () => {
    expect(exemptNamespaceExpression(['kube-system', 'd8-*', '*.tmp'])).toBe(
      'request.namespace in ["gatekeeper-system", "kube-system"] || request.namespace.matches("^(?:.*\\\\.tmp|d8-.*)$")',
    );
    const objects = admission(compile(input({ moduleConfig: moduleConfig({ exemptNamespaces: ['team-x'] }) })).objects);
    const condition = named(objects, 'ValidatingAdmissionPolicy', 'gatewright-backstop-deny').spec.matchConditions[0];
    expect(condition).toEqual({
      name: 'not-exempt-namespace',
      expression: '!(request.namespace in ["gatekeeper-system", "team-x"])',
    });
  });

  const agent = {
    securityContext: {
      privileged: { allowedValue: true, metadata: { description: 'manages host devices' } },
      capabilities: { allowedValues: { add: ['SYS_ADMIN'], drop: ['all'] } },
    },
    network: { hostNetwork: { allowedValue: false }, hostPID: { allowedValue: true } },
    volumes: {
      hostPath: {
        allowedValues: [
          { path: '/var/lib/agent/', readOnly: true },
          { path: '/run/agent', readOnly: false },
          { path: '/tmp/agent' },
        ],
      },
    },
  };
  const variable = (p: K8sObject & { spec: Spec }, name: string) =>
    (p.spec.variables as { name: string; expression: string }[]).find((v) => v.name === name)?.expression;
  const expressions = (p: K8sObject & { spec: Spec }) =>
    [
      ...(p.spec.variables as { expression: string }[]),
      ...(p.spec.validations as { expression: string; messageExpression: string }[]).flatMap((v) => [
        { expression: v.expression },
        { expression: v.messageExpression },
      ]),
    ].map((e) => e.expression);

  it('reads what each exception grants for its controls from the spec, and nothing else', () => {
    expect(exceptionGrants(agent)).toEqual({
      privileged: ['true'],
      // allowedValue false grants nothing.
      hostNetwork: [],
      hostPID: ['true'],
      hostIPC: [],
      capabilities: ['SYS_ADMIN'],
      // readOnly defaults to false (the CRD's default): a writable grant.
      hostPaths: ['/run/agent', '/tmp/agent'],
      hostPathsReadOnly: ['/var/lib/agent/'],
    });
    // Wrong types (a hand-written object the CRD would refuse, or a spec not read) grant nothing.
    const junk = {
      securityContext: { privileged: { allowedValue: 'true' }, capabilities: { allowedValues: { add: 'SYS_ADMIN' } } },
      volumes: { hostPath: { allowedValues: [{ path: 7 }, null, 'x'] } },
    };
    for (const spec of [junk, undefined, null, 'x', []])
      expect(Object.values(exceptionGrants(spec)).flat()).toEqual([]);
  });

  it('writes the grants into the one policy per action as a CEL literal: namespace → name → values', () => {
    const exceptions = [
      { metadata: { namespace: 'team-a', name: 'node-agent' }, spec: agent },
      { metadata: { namespace: 'team-a', name: 'debug' }, spec: { network: { hostIPC: { allowedValue: true } } } },
      // Grants nothing the backstop checks: left out, the same as naming no exception.
      { metadata: { namespace: 'team-a', name: 'ro-root' }, spec: { securityContext: { readOnlyRootFilesystem: {} } } },
      { metadata: { namespace: 'team-b', name: 'node-agent' }, spec: { securityContext: { privileged: { allowedValue: true } } } },
    ]; // prettier-ignore
    const objects = admission(compile(input({ exceptions })).objects);
    // No second policy, no parameters: nothing the API server must look up at admission time.
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ValidatingAdmissionPolicy/gatewright-backstop-deny',
      'ValidatingAdmissionPolicyBinding/gatewright-backstop-deny',
    ]);
    const policy = named(objects, 'ValidatingAdmissionPolicy', 'gatewright-backstop-deny');
    const binding = named(objects, 'ValidatingAdmissionPolicyBinding', 'gatewright-backstop-deny');
    expect(policy.spec.paramKind).toBeUndefined();
    expect(binding.spec.paramRef).toBeUndefined();
    expect(variable(policy, 'exceptions')).toBe(
      '{"team-a": {"debug": {"hostIPC": ["true"]}, "node-agent": {"capabilities": ["SYS_ADMIN"], ' +
        '"hostPID": ["true"], "hostPaths": ["/run/agent", "/tmp/agent"], "hostPathsReadOnly": ["/var/lib/agent/"], ' +
        '"privileged": ["true"]}}, "team-b": {"node-agent": {"privileged": ["true"]}}}[?request.namespace].orValue({})',
    );
    for (const e of expressions(policy)) expect(e).not.toContain('params');
    // Every control asks the exception in scope: the container's own label, else the pod's.
    const [priv, hostNetwork, , , hostPaths, caps] = (policy.spec.validations as { expression: string }[]).map(
      (v) => v.expression,
    );
    const containerException =
      'variables.podLabels[?("security.deckhouse.io/security-policy-exception.container." + c.name)]' +
      '.orValue(variables.podException)';
    expect(priv).toContain(`('true' in variables.exceptions[?${containerException}].?privileged.orValue([]))`);
    expect(hostNetwork).toContain(`('true' in variables.exceptions[?variables.podException].?hostNetwork.orValue([]))`);
    expect(hostPaths).toContain('variables.exceptions[?variables.podException].?hostPathsReadOnly.orValue([])');
    expect(caps).toContain(`variables.exceptions[?${containerException}].?capabilities.orValue([])`);
    // The pod-wide exception label is the one DVP documents.
    expect(variable(policy, 'podException')).toBe(
      'variables.podLabels[?"security.deckhouse.io/security-policy-exception"].orValue(\'\')',
    );
  });

  it('without exceptions (or none that grants anything here) the expressions grant nothing and read no table', () => {
    const none = { metadata: { namespace: 'ns', name: 'x' }, spec: { securityContext: { runAsNonRoot: {} } } };
    for (const exceptions of [[], [none]]) {
      const policy = named(
        admission(compile(input({ exceptions })).objects),
        'ValidatingAdmissionPolicy',
        'gatewright-backstop-deny',
      );
      expect(variable(policy, 'exceptions')).toBeUndefined();
      for (const e of expressions(policy)) expect(e).not.toContain('variables.exceptions');
      expect((policy.spec.validations as { expression: string }[])[0]?.expression).toBe(
        '!(variables.containers.filter(c, c.?securityContext.?privileged.orValue(false) == true && !false).size() > 0)',
      );
    }
  });

  it('names, namespaces, paths and capabilities from the cluster stay CEL string literals', () => {
    const hostile = 'x"] || true || ["';
    const exceptions = [
      {
        metadata: { namespace: 'ns', name: hostile },
        spec: {
          securityContext: { privileged: { allowedValue: true }, capabilities: { allowedValues: { add: [hostile] } } },
          volumes: { hostPath: { allowedValues: [{ path: `/a\\"\n${hostile}` }] } },
        },
      },
    ];
    const expression = exceptionsExpression(exceptionRefs(exceptions));
    const quoted = JSON.stringify(hostile);
    expect(expression).toBe(
      `{"ns": {${quoted}: {"capabilities": [${quoted}], "hostPaths": [${JSON.stringify(`/a\\"\n${hostile}`)}], ` +
        `"privileged": ["true"]}}}[?request.namespace].orValue({})`,
    );
  });
});

describe('protection of managed objects', () => {
  const identity = { usernames: ['system:serviceaccount:gatewright-system:gatewright'] };

  it('is emitted only when the operator knows who it is', () => {
    expect(compile(input()).objects.some((o) => o.metadata.name === 'gatewright-protect-managed')).toBe(false);
    const objects = compile(input({ operatorIdentity: identity })).objects.filter(
      (o) => o.metadata.name === 'gatewright-protect-managed',
    );
    expect(objects.map((o) => o.kind)).toEqual(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
  });

  it('covers templates, constraints and SyncSets labelled managed-by=gatewright, for everyone but gatewright', () => {
    const policy = named(
      compile(input({ operatorIdentity: { ...identity, groups: ['system:serviceaccounts:gatekeeper-system'] } }))
        .objects,
      'ValidatingAdmissionPolicy',
      'gatewright-protect-managed',
    );
    expect(policy.spec.matchConstraints.objectSelector).toEqual({
      matchLabels: { 'app.kubernetes.io/managed-by': 'gatewright' },
    });
    expect(
      (
        policy.spec.matchConstraints.resourceRules as {
          apiGroups: string[];
          resources: string[];
          operations: string[];
        }[]
      ).map((r) => [r.apiGroups[0], r.resources[0], r.operations.join(',')]),
    ).toEqual([
      ['templates.gatekeeper.sh', 'constrainttemplates', 'CREATE,UPDATE,DELETE'],
      ['constraints.gatekeeper.sh', '*', 'CREATE,UPDATE,DELETE'],
      ['syncset.gatekeeper.sh', 'syncsets', 'CREATE,UPDATE,DELETE'],
    ]);
    expect(policy.spec.matchConditions).toEqual([
      {
        name: 'not-gatewright',
        expression:
          '!(request.userInfo.username in ["system:serviceaccount:gatewright-system:gatewright"] || ' +
          'request.userInfo.groups.exists(g, g in ["system:masters", "system:serviceaccounts:gatekeeper-system"]))',
      },
    ]);
  });
});
