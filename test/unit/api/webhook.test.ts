import { describe, expect, it } from '@jest/globals';
import { review } from '../../../src/webhook/review.js';
import { webhookConfiguration } from '../../../src/webhook/configuration.js';
import { operationPolicy, securityPolicy } from '../../support/bad-objects.js';

const request = (operation: string, object: unknown, oldObject?: unknown) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'u-1',
    operation,
    kind: { group: 'deckhouse.io', version: 'v1alpha1', kind: (object as { kind: string }).kind },
    name: (object as { metadata: { name: string } }).metadata.name,
    object,
    ...(oldObject ? { oldObject } : {}),
  },
});

describe('the webhook decision', () => {
  it('refuses what gatewright validate refuses, with every field path and the API server wording', () => {
    const out = review(request('CREATE', operationPolicy('bad', { allowedRepos: ['https://r.example.com', 'UP'] })));
    expect(out.response).toMatchObject({ uid: 'u-1', allowed: false, status: { code: 422, reason: 'Invalid' } });
    expect(out.response?.status?.message).toBe(
      'OperationPolicy.deckhouse.io "bad" is invalid: [spec.policies.allowedRepos[0]: Invalid value: "https://r.example.com": ' +
        'an image repository has no URL scheme; write "r.example.com", spec.policies.allowedRepos[1]: Invalid value: "UP": ' +
        'must be a registry host or repository path, lower case, such as registry.example.com or registry.example.com:5000/team]',
    );
    expect(out.response?.status?.details?.causes.map((c) => c.field)).toEqual([
      'spec.policies.allowedRepos[0]',
      'spec.policies.allowedRepos[1]',
    ]);
  });

  it('admits what Deckhouse accepts with a meaning, with the warnings kubectl prints', () => {
    const out = review(
      request('CREATE', securityPolicy('sysctls', { allowedUnsafeSysctls: ['*'], forbiddenSysctls: ['*'] })),
    );
    expect(out.response).toEqual({
      uid: 'u-1',
      allowed: true,
      warnings: [
        'spec.policies.allowedUnsafeSysctls[0]: "*" is also forbidden by forbiddenSysctls[0] ("*"), which takes precedence, as in Deckhouse: no sysctl may be set',
      ],
    });
  });

  it('an update that keeps a stored spec as it was is admitted (labels stay editable); one that changes it is judged', () => {
    const stored = operationPolicy('old', { allowedRepos: ['UP'] });
    const relabelled = { ...stored, metadata: { name: 'old', labels: { a: 'b' } } };
    expect(review(request('UPDATE', relabelled, stored)).response?.allowed).toBe(true);
    const edited = operationPolicy('old', { allowedRepos: ['UP', 'DOWN'] });
    expect(review(request('UPDATE', edited, stored)).response?.allowed).toBe(false);
  });

  it('deletes, other kinds and malformed reviews are admitted', () => {
    expect(review(request('DELETE', operationPolicy('x', { allowedRepos: ['UP'] }))).response?.allowed).toBe(true);
    expect(
      review(request('CREATE', { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p' } })).response?.allowed,
    ).toBe(true);
    expect(review({}).response).toEqual({ uid: '', allowed: true });
  });

  it('the configuration fails closed for policy objects only, never for deletes or status', () => {
    const vwc = webhookConfiguration({ url: 'https://127.0.0.1:9443/validate', caBundle: 'Q0E=' }) as {
      webhooks: { failurePolicy: string; rules: { operations: string[]; resources: string[] }[] }[];
    };
    expect(vwc.webhooks[0]?.failurePolicy).toBe('Fail');
    expect(vwc.webhooks[0]?.rules).toEqual([
      expect.objectContaining({
        operations: ['CREATE', 'UPDATE'],
        resources: ['operationpolicies', 'securitypolicies', 'securitypolicyexceptions', 'moduleconfigs'],
      }),
    ]);
  });
});
