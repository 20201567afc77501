// Sealed registry credentials: what the operator writes into a constraint opens only with the provider's key, is
// the same text on every compile, and every way it can fail is refused with its reason.
import { describe, expect, it } from '@jest/globals';
import {
  decodeDockerCfg,
  isSealed,
  open,
  parseSealingKeys,
  seal,
  SealError,
} from '../../../src/provider/sealed-credentials.js';

const KEY_A = 'Zmlyc3Qga2V5IGZvciB0aGUgc2VhbGVkIGNyZWRlbnRpYWxz';
const KEY_B = 'c2Vjb25kIGtleSBmb3IgdGhlIHNlYWxlZCBjcmVkZW50aWFscw';
const config = JSON.stringify({ auths: { 'registry.example.com': { username: 'puller', password: 's3cret' } } });

describe('sealed credentials', () => {
  const [a] = parseSealingKeys(KEY_A);
  const [b] = parseSealingKeys(KEY_B);
  if (!a || !b) throw new Error('keys');

  it('round-trips, deterministically, without the secret in the sealed text', () => {
    const sealed = seal(a, config);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).toMatch(new RegExp(`^gwsealed\\.v1\\.${a.id}\\.[A-Za-z0-9_-]+$`));
    expect(sealed).not.toContain('s3cret');
    expect(seal(a, config)).toBe(sealed);
    expect(seal(a, `${config} `)).not.toBe(sealed);
    expect(open([a], sealed)).toBe(config);
  });

  it('a rotation: the provider holds both keys, values sealed with either open', () => {
    const keys = parseSealingKeys(`# new key first\n${KEY_B}\n\n${KEY_A}\n`);
    expect(keys.map((k) => k.id)).toEqual([b.id, a.id]);
    expect(open(keys, seal(a, config))).toBe(config);
    expect(open(keys, seal(b, config))).toBe(config);
  });

  it('refuses another key, an altered value, a truncated one and another format, saying which', () => {
    const sealed = seal(a, config);
    expect(() => open([b], sealed)).toThrow(`sealed with key ${a.id}, which this provider does not hold`);
    const body = sealed.split('.')[3] as string;
    const flipped = Buffer.from(body, 'base64url');
    const at = flipped.length - 20;
    flipped.writeUInt8(flipped.readUInt8(at) ^ 1, at);
    expect(() => open([a], `gwsealed.v1.${a.id}.${flipped.toString('base64url')}`)).toThrow(
      /do not open with key .* \(altered or sealed with another key\)/,
    );
    // The key id is authenticated too: relabelling a value as another key's fails.
    const relabelled = seal(b, config).replace(b.id, a.id);
    expect(() => open([a, b], relabelled)).toThrow(SealError);
    expect(() => open([a], `gwsealed.v1.${a.id}.AAAA`)).toThrow('truncated');
    expect(() => open([a], 'e30=')).toThrow('not in the gwsealed.v1 format');
  });

  it('refuses an empty or short key file', () => {
    expect(() => parseSealingKeys('# only a comment\n')).toThrow('has no key');
    expect(() => parseSealingKeys('short')).toThrow('key 1 of the credentials key file is shorter than 32');
  });

  it("decodes DVP's dockerCfg (base64 of a docker config.json) and names what is wrong with a bad one", () => {
    const b64 = Buffer.from(config).toString('base64');
    expect(decodeDockerCfg(b64).credentials.get('registry.example.com')).toEqual({
      username: 'puller',
      password: 's3cret',
    });
    // Line-wrapped base64 (as `base64` prints it) is accepted.
    expect(decodeDockerCfg(b64.replace(/(.{20})/g, '$1\n')).text).toBe(config);
    expect(() => decodeDockerCfg('not base64!')).toThrow('is not base64');
    expect(() => decodeDockerCfg(Buffer.from('{').toString('base64'))).toThrow(
      'is base64 but its docker config is not JSON',
    );
    expect(() => decodeDockerCfg(Buffer.from('{"auths":{}}').toString('base64'))).toThrow(
      'holds no registry credentials',
    );
  });
});
