// CustomResourceDefinitions of the policy API, assembled from the schemas in schemas.ts. crds/*.yaml is generated
// from here (`make crds`), so the API server and `gatewright validate` check the same schema.
import { dump } from 'js-yaml';
import { reservedNameRule } from './names.js';
import { POLICY_API_VERSION, RESOURCES, apiVersionOf } from './resources.js';
import { forCrd, obj, withCaps, type Schema } from './schema-builders.js';
import {
  GROUP,
  VERSION,
  moduleSettings,
  operationPolicySpec,
  policyStatus,
  securityPolicyExceptionSpec,
  securityPolicySpec,
} from './schemas.js';
import { bool, int, str, freeForm } from './schema-builders.js';

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description: string;
  priority?: number;
}

const readyColumn: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Whether every check of the policy is applied and enforced by Gatekeeper.',
};
const policyColumns: PrinterColumn[] = [
  readyColumn,
  { name: 'Action', type: 'string', jsonPath: '.spec.enforcementAction', description: 'Deny, Warn or Dryrun.' },
  { name: 'Checks', type: 'integer', jsonPath: '.status.checkCount', description: 'Checks in force.' },
  {
    name: 'Violations',
    type: 'integer',
    jsonPath: '.status.violations',
    description: 'Violations found by the last Gatekeeper audit.',
  },
];
const deckhouseColumns: PrinterColumn[] = [
  { name: 'Synced', type: 'string', jsonPath: '.status.deckhouse.synced', description: 'Deckhouse-compatible sync flag.', priority: 1 },
  { name: 'Observed', type: 'string', jsonPath: '.status.deckhouse.observed.lastTimestamp', description: 'When the spec was last read.', priority: 1 },
  { name: 'Processed', type: 'string', jsonPath: '.status.deckhouse.processed.lastTimestamp', description: 'When the spec was last applied.', priority: 1 },
]; // prettier-ignore
const ageColumn: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Age.',
};

interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Cluster' | 'Namespaced';
  description: string;
  spec: Schema;
  status: Schema;
  columns: PrinterColumn[];
  requiredSpec: boolean;
  /** The object's name becomes constraint names, so prefixes of generated names are refused. */
  reservedNames: boolean;
}

export const KINDS: KindDefinition[] = [
  {
    kind: RESOURCES.OperationPolicy.kind,
    plural: RESOURCES.OperationPolicy.plural,
    singular: 'operationpolicy',
    shortNames: ['opol'],
    scope: 'Cluster',
    description:
      'Operational requirements for workloads (allowed registries, resources, probes, labels, …), enforced by ' +
      'gatewright through OPA Gatekeeper. Compatible with the Deckhouse OperationPolicy.',
    spec: withCaps(operationPolicySpec),
    status: policyStatus,
    columns: [...policyColumns, ...deckhouseColumns, ageColumn],
    requiredSpec: true,
    reservedNames: true,
  },
  {
    kind: RESOURCES.SecurityPolicy.kind,
    plural: RESOURCES.SecurityPolicy.plural,
    singular: 'securitypolicy',
    shortNames: ['spol'],
    scope: 'Cluster',
    description:
      'Security requirements for Pods and workloads (host access, privileges, capabilities, users, volumes, …), ' +
      'enforced by gatewright through OPA Gatekeeper. Compatible with the Deckhouse SecurityPolicy.',
    spec: withCaps(securityPolicySpec),
    status: policyStatus,
    columns: [...policyColumns, ...deckhouseColumns, ageColumn],
    requiredSpec: true,
    reservedNames: true,
  },
  {
    kind: RESOURCES.SecurityPolicyException.kind,
    plural: RESOURCES.SecurityPolicyException.plural,
    singular: 'securitypolicyexception',
    shortNames: ['spe'],
    scope: 'Namespaced',
    description:
      'Values that Pods of this namespace labelled security.deckhouse.io/security-policy-exception: <name> may use ' +
      'although a SecurityPolicy or the Pod Security Standards forbid them.',
    spec: withCaps(securityPolicyExceptionSpec),
    status: policyStatus,
    columns: [readyColumn, ...deckhouseColumns, ageColumn],
    requiredSpec: true,
    reservedNames: false,
  },
];

export const MODULE_CONFIG_KIND: KindDefinition = {
  kind: RESOURCES.ModuleConfig.kind,
  plural: RESOURCES.ModuleConfig.plural,
  singular: 'moduleconfig',
  shortNames: ['mc'],
  scope: 'Cluster',
  description:
    'Settings of a Deckhouse module. gatewright reads the one named admission-policy-engine. Shipped for clusters ' +
    'without Deckhouse; where Deckhouse already defines this CRD, that one is kept.',
  spec: {
    type: 'object',
    description: 'Module settings.',
    properties: {
      enabled: bool('Whether the module is enabled.'),
      version: int('Version of the settings schema.'),
      // Nullable: a server-side apply that removes every setting leaves settings null, which means "all defaults".
      settings: {
        ...freeForm(
          'The module settings; for admission-policy-engine see gatewright validate. Empty or null: all defaults.',
        ),
        nullable: true,
      },
    },
  },
  status: {
    type: 'object',
    description: 'Written by the module.',
    properties: { message: str('Settings errors, or empty.'), version: str('Applied settings version.') },
    'x-kubernetes-preserve-unknown-fields': true,
  },
  columns: [
    { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled', description: 'Enabled.' },
    { name: 'Message', type: 'string', jsonPath: '.status.message', description: 'Settings errors.' },
    ageColumn,
  ],
  requiredSpec: false,
  reservedNames: false,
};

export function crdFor(def: KindDefinition): Record<string, unknown> {
  const root = obj(
    {
      apiVersion: str(`The API version: ${POLICY_API_VERSION}.`),
      kind: str(`${def.kind}.`),
      metadata: { type: 'object' },
      spec: def.spec,
      status: def.status,
    },
    def.description,
    {
      ...(def.requiredSpec ? { required: ['spec'] } : {}),
      ...(def.reservedNames ? { 'x-kubernetes-validations': [reservedNameRule] } : {}),
    },
  );
  return {
    apiVersion: apiVersionOf(RESOURCES.CustomResourceDefinition),
    kind: RESOURCES.CustomResourceDefinition.kind,
    metadata: {
      name: `${def.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'gatewright', module: 'admission-policy-engine' },
    },
    spec: {
      group: GROUP,
      scope: def.scope,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.columns,
          schema: { openAPIV3Schema: forCrd(root) },
        },
      ],
    },
  };
}

export const CRD_FILES: Record<string, KindDefinition> = {
  'operationpolicy.yaml': KINDS[0] as KindDefinition,
  'securitypolicy.yaml': KINDS[1] as KindDefinition,
  'securitypolicyexception.yaml': KINDS[2] as KindDefinition,
  'moduleconfig.yaml': MODULE_CONFIG_KIND,
};

export const CRD_HEADER = '# Generated by `make crds` from src/api/schemas.ts. Do not edit by hand.\n';

export function renderCrd(def: KindDefinition): string {
  return CRD_HEADER + dump(crdFor(def), { lineWidth: 120, noRefs: true });
}

export { moduleSettings };
