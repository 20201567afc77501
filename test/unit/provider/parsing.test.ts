// The provider's pure parts: image references, public keys, Cosign's signature format and every refusal, docker
// configs, the Gatekeeper request shape. Signatures are made with Node's crypto the way Cosign lays them out.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { parseImageReference, sameRepository, apiHost } from '../../../src/provider/reference.js';
import { parsePublicKey, verifySignature } from '../../../src/provider/keys.js';
import {
  evaluateSignatures,
  parsePayload,
  parseSignatureManifest,
  signatureTag,
  type FetchedSignature,
} from '../../../src/provider/cosign.js';
import { normaliseHost, parseDockerConfig } from '../../../src/provider/docker-config.js';
import { parseChallenge } from '../../../src/provider/registry.js';
import { parseRequestKey } from '../../../src/provider/verifier.js';
import { requestKeys } from '../../../src/provider/server.js';
import { cosignPayload, sha256, signPayload } from './test-registry.js';

const pem = (k: KeyObject): string => k.export({ format: 'pem', type: 'spki' }).toString();
const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('image references', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['nginx:1.17.2', 'docker.io', 'library/nginx', '1.17.2', undefined],
    ['index.docker.io/team/app:1', 'docker.io', 'team/app', '1', undefined],
    ['team/app', 'docker.io', 'team/app', undefined, undefined],
    [
      'registry.private.ru/labs/application/image:latest',
      'registry.private.ru',
      'labs/application/image',
      'latest',
      undefined,
    ],
    ['127.0.0.1:5000/app:v1', '127.0.0.1:5000', 'app', 'v1', undefined],
    ['localhost/app', 'localhost', 'app', undefined, undefined],
    [`r.io/a/b:t@sha256:${'a'.repeat(64)}`, 'r.io', 'a/b', 't', `sha256:${'a'.repeat(64)}`],
    [`r.io/a@sha256:${'b'.repeat(64)}`, 'r.io', 'a', undefined, `sha256:${'b'.repeat(64)}`],
  ])('%s', (image, registry, repository, tag, digest) => {
    const ref = parseImageReference(image);
    expect(ref).toMatchObject({ registry, repository });
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBe(digest);
  });

  it.each([
    '',
    'r.io/App:1',
    'r.io/a:',
    'r.io/a@sha256:abc',
    'r.io/a@md5:' + 'a'.repeat(32),
    'r.io//a',
    'a b',
    'r.io/a:t/x',
  ])('refuses %j', (image) => {
    expect(() => parseImageReference(image)).toThrow(/invalid/);
  });

  it('compares repositories the way Cosign names them', () => {
    expect(sameRepository('index.docker.io/library/nginx', parseImageReference('nginx:1'))).toBe(true);
    expect(sameRepository('127.0.0.1:5000/app', parseImageReference('127.0.0.1:5000/app:v1'))).toBe(true);
    expect(sameRepository('127.0.0.1:5000/other', parseImageReference('127.0.0.1:5000/app:v1'))).toBe(false);
    expect(sameRepository('127.0.0.1:5001/app', parseImageReference('127.0.0.1:5000/app:v1'))).toBe(false);
    expect(sameRepository('not a reference', parseImageReference('app'))).toBe(false);
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('r.io:5000')).toBe('r.io:5000');
  });
});

describe('public keys', () => {
  const payload = Buffer.from('payload');
  it.each([
    ['ecdsa-p256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['ecdsa-p384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['ecdsa-p521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
    ['rsa-2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ed25519', () => generateKeyPairSync('ed25519')],
  ])('%s verifies its own signature and no other', (type, make) => {
    const { publicKey, privateKey } = make();
    const trusted = parsePublicKey(pem(publicKey));
    expect(trusted.type).toBe(type);
    expect(trusted.id).toMatch(/^[0-9a-f]{16}$/);
    const sig = signPayload(privateKey, payload);
    expect(verifySignature(trusted, payload, sig)).toBe(true);
    expect(verifySignature(trusted, Buffer.from('payloaD'), sig)).toBe(false);
    expect(verifySignature(trusted, payload, Buffer.from('garbage'))).toBe(false);
    expect(verifySignature(trusted, payload, Buffer.alloc(0))).toBe(false);
  });

  it('reads the DVP documentation key', () => {
    const docKey = [
      '-----BEGIN PUBLIC KEY-----',
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhpqaufY9JSY+g4JZmmEWCxYp4BSj',
      'YAzTW+LBJa6GwiJ+iWHMEw2w8aiVk7NSayEp5ZDZaBTmspT/dyuWSpazPQ==',
      '-----END PUBLIC KEY-----',
    ].join('\n');
    expect(parsePublicKey(docKey).type).toBe('ecdsa-p256');
  });

  it('refuses what it cannot verify with', () => {
    expect(() => parsePublicKey('ssh-rsa AAAA')).toThrow(/not a PEM public key/);
    expect(() => parsePublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toThrow(/unreadable/);
    const priv = p256().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => parsePublicKey(priv)).toThrow(/not a PEM public key/);
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(() => parsePublicKey(pem(rsa1024))).toThrow(/shorter than 2048/);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey;
    expect(() => parsePublicKey(pem(k1))).toThrow(/unsupported elliptic curve secp256k1/);
    const x448 = generateKeyPairSync('x448').publicKey;
    expect(() => parsePublicKey(pem(x448))).toThrow(/unsupported key type x448/);
  });
});

describe('Cosign signature format', () => {
  const digest = sha256('the image manifest');
  const image = parseImageReference('127.0.0.1:5000/app:v1');
  const layer = (payload: Buffer, signature: string, extra: Record<string, unknown> = {}) => ({
    mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    digest: sha256(payload),
    size: payload.length,
    annotations: { 'dev.cosignproject.cosign/signature': signature },
    ...extra,
  });
  const manifest = (layers: unknown[]) => Buffer.from(JSON.stringify({ schemaVersion: 2, layers }));

  it('names the signature tag after the digest', () => {
    expect(signatureTag(`sha256:${'c'.repeat(64)}`)).toBe(`sha256-${'c'.repeat(64)}.sig`);
  });

  it('reads signature layers and skips attachments and unsigned layers', () => {
    const p = cosignPayload('127.0.0.1:5000/app', digest);
    const layers = parseSignatureManifest(
      manifest([
        layer(p, 'c2ln'),
        { mediaType: 'application/vnd.dev.cosign.attestation.v1+json', digest: sha256('x'), size: 1 },
        { ...layer(p, 'x'), annotations: {} },
      ]),
    );
    expect(layers).toEqual([{ digest: sha256(p), size: p.length, signature: 'c2ln' }]);
  });

  it.each([
    ['not JSON', Buffer.from('{'), /not JSON/],
    ['no layers', Buffer.from('{"schemaVersion":2}'), /no layers/],
    ['a bad digest', manifest([{ ...layer(Buffer.from('p'), 's'), digest: 'md5:00' }]), /no valid sha256 digest/],
    ['an oversized payload', manifest([{ ...layer(Buffer.from('p'), 's'), size: 10_000_000 }]), /larger than/],
    [
      'too many layers',
      manifest(Array.from({ length: 33 }, () => layer(Buffer.from('p'), 's'))),
      /more than 32 layers/,
    ],
  ])('refuses a manifest with %s', (_what, body, message) => {
    expect(() => parseSignatureManifest(body)).toThrow(message);
  });

  it('reads the simple-signing payload and refuses incomplete ones', () => {
    expect(parsePayload(cosignPayload('r.io/a', digest))).toEqual({
      dockerReference: 'r.io/a',
      manifestDigest: digest,
      type: 'cosign container image signature',
    });
    expect(() => parsePayload(Buffer.from('x'))).toThrow(/not JSON/);
    expect(() => parsePayload(Buffer.from('{}'))).toThrow(/no "critical"/);
    expect(() => parsePayload(Buffer.from('{"critical":{"image":{"docker-manifest-digest":"d"},"type":"t"}}'))).toThrow(
      /docker-reference/,
    );
    expect(() => parsePayload(Buffer.from('{"critical":{"identity":{"docker-reference":"r"},"type":"t"}}'))).toThrow(
      /docker-manifest-digest/,
    );
    expect(() =>
      parsePayload(
        Buffer.from('{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d"}}}'),
      ),
    ).toThrow(/critical.type/);
  });

  describe('verdicts', () => {
    const signer = p256();
    const other = p256();
    const keys = [parsePublicKey(pem(signer.publicKey))];
    const signed = (payload: Buffer, key = signer.privateKey): FetchedSignature => ({
      layer: { digest: sha256(payload), size: payload.length, signature: signPayload(key, payload).toString('base64') },
      payload,
    });
    const good = cosignPayload('127.0.0.1:5000/app', digest);

    it('verified: the right key over a payload naming this digest and repository', () => {
      expect(evaluateSignatures(image, digest, [signed(good)], keys)).toMatchObject({
        verified: true,
        digest,
        keyType: 'ecdsa-p256',
      });
    });

    it('verified when any one of several signatures and keys fits', () => {
      const twoKeys = [parsePublicKey(pem(other.publicKey)), ...keys];
      expect(evaluateSignatures(image, digest, [signed(good, other.privateKey), signed(good)], keys).verified).toBe(
        true,
      );
      expect(evaluateSignatures(image, digest, [signed(good)], twoKeys).verified).toBe(true);
    });

    it('unsigned: no signature layer', () => {
      expect(evaluateSignatures(image, digest, [], keys)).toMatchObject({ refusal: 'unsigned', reason: /^unsigned: / });
    });

    it('wrong key: signed by another key', () => {
      expect(evaluateSignatures(image, digest, [signed(good, other.privateKey)], keys)).toMatchObject({
        refusal: 'wrong-key',
        reason: expect.stringMatching(/^wrong key or tampered payload: no signature verifies with the 1 trusted/),
      });
    });

    it('tampered payload: the signature no longer covers it', () => {
      const s = signed(good);
      const tampered = Buffer.from(good.toString().replace(digest, sha256('another image')));
      const forged = { layer: { ...s.layer, digest: sha256(tampered), size: tampered.length }, payload: tampered };
      expect(evaluateSignatures(image, digest, [forged], keys)).toMatchObject({ refusal: 'wrong-key' });
    });

    it('malformed: the payload does not hash to its layer digest', () => {
      const s = signed(good);
      expect(evaluateSignatures(image, digest, [{ ...s, payload: Buffer.from('x') }], keys)).toMatchObject({
        refusal: 'malformed',
        reason: expect.stringMatching(/hashes to sha256:/),
      });
    });

    it('digest mismatch: a good signature of another image copied to this one', () => {
      const otherDigest = sha256('another image');
      expect(
        evaluateSignatures(image, digest, [signed(cosignPayload('127.0.0.1:5000/app', otherDigest))], keys),
      ).toMatchObject({
        refusal: 'digest-mismatch',
        reason: `digest mismatch: the signature is for ${otherDigest}, the image is ${digest}`,
      });
    });

    it('reference mismatch: signed for another repository', () => {
      expect(
        evaluateSignatures(image, digest, [signed(cosignPayload('127.0.0.1:5000/evil', digest))], keys),
      ).toMatchObject({
        refusal: 'reference-mismatch',
        reason: expect.stringMatching(/signature is for 127.0.0.1:5000\/evil, the image is 127.0.0.1:5000\/app/),
      });
    });

    it('malformed: a good signature over something that is not a Cosign payload', () => {
      expect(evaluateSignatures(image, digest, [signed(Buffer.from('{"critical":{}}'))], keys)).toMatchObject({
        refusal: 'malformed',
      });
      expect(
        evaluateSignatures(image, digest, [signed(cosignPayload('127.0.0.1:5000/app', digest, 'other'))], keys),
      ).toMatchObject({
        refusal: 'malformed',
        reason: expect.stringMatching(/payload type is "other"/),
      });
    });

    it('names the refusal closest to success', () => {
      const mismatch = signed(cosignPayload('127.0.0.1:5000/app', sha256('x')));
      expect(evaluateSignatures(image, digest, [signed(good, other.privateKey), mismatch], keys)).toMatchObject({
        refusal: 'digest-mismatch',
      });
      expect(evaluateSignatures(image, digest, [mismatch, signed(good, other.privateKey)], keys)).toMatchObject({
        refusal: 'digest-mismatch',
      });
    });
  });
});

describe('docker configs', () => {
  it('reads auths with auth or username/password, hosts as URLs', () => {
    const creds = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw:with:colons').toString('base64') },
          'registry.example.com:5000': { username: 'u', password: 'p' },
          'empty.example.com': {},
        },
      }),
    );
    expect(creds.get('docker.io')).toEqual({ username: 'hub', password: 'pw:with:colons' });
    expect(creds.get('registry.example.com:5000')).toEqual({ username: 'u', password: 'p' });
    expect(creds.has('empty.example.com')).toBe(false);
  });

  it('reads the legacy .dockercfg form and refuses garbage', () => {
    expect(parseDockerConfig('{"r.io":{"auth":"dTpw"}}').get('r.io')).toEqual({ username: 'u', password: 'p' });
    expect(() => parseDockerConfig('nope')).toThrow(/not JSON/);
    expect(() => parseDockerConfig('[]')).toThrow(/not a JSON object/);
    expect(() => parseDockerConfig('{"auths":[]}')).toThrow(/not an object/);
    expect(() => parseDockerConfig('{"auths":{"r.io":{"auth":"bm9jb2xvbg=="}}}')).toThrow(
      /not base64 of "user:password"/,
    );
    expect(normaliseHost('HTTPS://Registry-1.Docker.io/v2/')).toBe('docker.io');
  });
});

describe('protocol shapes', () => {
  it('parses WWW-Authenticate challenges', () => {
    expect(
      parseChallenge('Bearer realm="https://auth.example.com/token",service="registry",scope="repository:a:pull"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example.com/token', service: 'registry', scope: 'repository:a:pull' },
    });
    expect(parseChallenge('Basic realm="x"')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
    expect(parseChallenge('Bearer realm=unquoted,service="a\\"b"').params).toEqual({
      realm: 'unquoted',
      service: 'a"b',
    });
  });

  it('reads the verification request the template sends as a key', () => {
    expect(parseRequestKey('{"image":"a:1","publicKeys":["k"],"ca":"c"}')).toEqual({
      image: 'a:1',
      publicKeys: ['k'],
      ca: 'c',
    });
    expect(() => parseRequestKey('a:1')).toThrow(/not a JSON verification request/);
    expect(() => parseRequestKey('[]')).toThrow(/not a JSON object/);
    expect(() => parseRequestKey('{"publicKeys":["k"]}')).toThrow(/no "image"/);
    expect(() => parseRequestKey('{"image":"a","publicKeys":[]}')).toThrow(/no "publicKeys"/);
    expect(() => parseRequestKey('{"image":"a","publicKeys":[1]}')).toThrow(/no "publicKeys"/);
    expect(() => parseRequestKey('{"image":"a","publicKeys":["k"],"ca":1}')).toThrow(/"ca"/);
  });

  it("reads Gatekeeper's ProviderRequest and refuses other shapes", () => {
    expect(
      requestKeys({
        apiVersion: 'externaldata.gatekeeper.sh/v1beta1',
        kind: 'ProviderRequest',
        request: { keys: ['a'] },
      }),
    ).toEqual(['a']);
    expect(requestKeys(null)).toEqual({ systemError: expect.stringMatching(/not a ProviderRequest/) });
    expect(requestKeys({ kind: 'Other', request: { keys: [] } })).toEqual({ systemError: 'unexpected kind Other' });
    expect(requestKeys({ request: { keys: [1] } })).toEqual({ systemError: expect.stringMatching(/list of strings/) });
    expect(requestKeys({ request: { keys: Array.from({ length: 300 }, () => 'k') } })).toEqual({
      systemError: expect.stringMatching(/more than 256 keys/),
    });
  });
});
