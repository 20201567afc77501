// The admission decision for policy objects, as a pure function of an AdmissionReview (admission.k8s.io/v1): the
// same checkObject() that `gatewright validate` runs. Errors refuse the object with every field path (HTTP 422, as the
// API server words its own validation errors); warnings admit it and come back to kubectl as `Warning:` lines.
import { checkObject, isRecord, type ValidationError } from '../api/validate.js';
import { jsonEqual } from '../compiler/compile.js';

export interface AdmissionRequest {
  uid: string;
  operation?: string;
  kind?: { group?: string; version?: string; kind?: string };
  name?: string;
  object?: unknown;
  oldObject?: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: {
    code: number;
    reason: string;
    message: string;
    details?: {
      name: string;
      group: string;
      kind: string;
      causes: { field: string; reason: string; message: string }[];
    };
  };
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

/** kubectl shows warnings one per line; the API server truncates long ones, so they are kept short. */
const MAX_WARNING = 250;

const causeReason = (e: ValidationError): string =>
  e.message.startsWith('Required value')
    ? 'FieldValueRequired'
    : e.message.startsWith('Duplicate value')
      ? 'FieldValueDuplicate'
      : e.message.startsWith('Forbidden')
        ? 'FieldValueForbidden'
        : e.message.startsWith('Unsupported value')
          ? 'FieldValueNotSupported'
          : e.message.startsWith('Too')
            ? 'FieldValueTooLong'
            : 'FieldValueInvalid';

export function review(body: unknown): AdmissionReview {
  const request = isRecord(body) && isRecord(body.request) ? (body.request as unknown as AdmissionRequest) : undefined;
  const uid = typeof request?.uid === 'string' ? request.uid : '';
  const respond = (response: Omit<AdmissionResponse, 'uid'>): AdmissionReview => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid, ...response },
  });
  if (!request || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return respond({ allowed: true });
  const object = request.object;
  // An update that leaves the spec as stored is not refused for what the stored spec already said (as CRD validation
  // ratcheting does): labels, annotations and finalizers of an old object stay editable.
  if (
    request.operation === 'UPDATE' &&
    isRecord(object) &&
    isRecord(request.oldObject) &&
    jsonEqual(object.spec, request.oldObject.spec)
  )
    return respond({ allowed: true });
  const { errors, warnings } = checkObject(object);
  const warningLines = warnings.map((w) => {
    const line = `${w.path ? `${w.path}: ` : ''}${w.message}`;
    return line.length > MAX_WARNING ? `${line.slice(0, MAX_WARNING - 1)}…` : line;
  });
  if (errors.length === 0)
    return respond({ allowed: true, ...(warningLines.length > 0 ? { warnings: warningLines } : {}) });
  const kind = request.kind?.kind ?? (isRecord(object) && typeof object.kind === 'string' ? object.kind : '');
  const group = request.kind?.group ?? '';
  const name =
    request.name ?? (isRecord(object) && isRecord(object.metadata) ? String(object.metadata.name ?? '') : '');
  const lines = errors.map((e) => `${e.path ? `${e.path}: ` : ''}${e.message}`);
  return respond({
    allowed: false,
    status: {
      code: 422,
      reason: 'Invalid',
      message: `${kind}.${group} "${name}" is invalid: ${lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`}`,
      details: {
        name,
        group,
        kind,
        // The API server words the refusal from the causes: `The <Kind> "<name>" is invalid: <field>: <message>`.
        causes: errors.map((e) => ({ field: e.path, reason: causeReason(e), message: e.message })),
      },
    },
    ...(warningLines.length > 0 ? { warnings: warningLines } : {}),
  });
}
