import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { InvalidServiceAccountKeyError, parseServiceAccountKey } from '../../../connectors/google';
import { generateTestServiceAccountKey } from '../../../sandbox/google';

const sample = generateTestServiceAccountKey('svc@proj.iam.gserviceaccount.com', 'proj');
const sampleObj = JSON.parse(sample.keyJson) as Record<string, string>;
const pemBody = sampleObj.private_key!.split('\n').filter((l) => l && !l.startsWith('-----'));

/** Fails if any 16-char run of the private key's base64 body shows up in the text. */
function assertNoKeyMaterial(text: string): void {
  for (const line of pemBody) {
    for (let i = 0; i + 16 <= line.length; i += 16) assert.ok(!text.includes(line.slice(i, i + 16)), 'error text leaks key material');
  }
}

function expectInvalid(input: string | object, pattern: RegExp): InvalidServiceAccountKeyError {
  try {
    parseServiceAccountKey(input);
  } catch (err) {
    assert.ok(err instanceof InvalidServiceAccountKeyError, `expected InvalidServiceAccountKeyError, got ${String(err)}`);
    assert.equal(err.name, 'InvalidServiceAccountKey');
    assert.match(err.message, pattern);
    assertNoKeyMaterial(err.message);
    assertNoKeyMaterial(err.stack ?? '');
    return err;
  }
  assert.fail('expected parseServiceAccountKey to throw');
}

describe('parseServiceAccountKey', () => {
  it('accepts the JSON key file text', () => {
    const key = parseServiceAccountKey(sample.keyJson);
    assert.equal(key.client_email, 'svc@proj.iam.gserviceaccount.com');
    assert.equal(key.project_id, 'proj');
    assert.equal(key.private_key_id, sample.privateKeyId);
    assert.match(key.private_key, /^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('accepts an already-parsed object', () => {
    assert.equal(parseServiceAccountKey(sampleObj).client_email, sampleObj.client_email);
  });

  it('accepts base64 of the key file (also wrapped across lines)', () => {
    const b64 = Buffer.from(sample.keyJson).toString('base64');
    assert.equal(parseServiceAccountKey(b64).client_email, sampleObj.client_email);
    const wrapped = b64.replace(/(.{76})/g, '$1\n');
    assert.equal(parseServiceAccountKey(wrapped).client_email, sampleObj.client_email);
  });

  it('fixes literal \\n in the PEM, including double escaping (A9-1)', () => {
    const single = { ...sampleObj, private_key: sampleObj.private_key!.replace(/\n/g, '\\n') };
    const double = { ...sampleObj, private_key: sampleObj.private_key!.replace(/\n/g, '\\\\n') };
    for (const variant of [single, double]) {
      const key = parseServiceAccountKey(JSON.stringify(variant));
      assert.ok(!key.private_key.includes('\\'), 'backslashes remain');
      assert.equal(key.private_key.trim(), sampleObj.private_key!.trim());
    }
  });

  it('names each problem precisely without echoing key material', () => {
    expectInvalid('{"client_email": "a@b", "private_key": "-----BEGIN', /not valid JSON/);
    expectInvalid('not a key at all!', /neither JSON nor base64/);
    expectInvalid(Buffer.from('hello world').toString('base64'), /does not decode to a JSON object/);
    expectInvalid({ ...sampleObj, client_email: undefined }, /missing client_email/);
    expectInvalid({ ...sampleObj, client_email: 'nobody' }, /client_email is not an email/);
    expectInvalid({ ...sampleObj, private_key: '' }, /missing private_key/);
    expectInvalid({ ...sampleObj, private_key: 42 }, /private_key must be a string/);
    expectInvalid({ ...sampleObj, private_key: 'abc' }, /private_key is not a PEM private key/);
    expectInvalid({ ...sampleObj, type: 'authorized_user' }, /expected "service_account"/);
    expectInvalid([], /must be a JSON object/);
  });

  it('rejects a corrupt PEM body with a decoder hint but no key bytes', () => {
    const corrupt = sampleObj.private_key!.replace(/\n([A-Za-z0-9+/]{20})/, '\n!!!!$1');
    const err = expectInvalid({ ...sampleObj, private_key: corrupt }, /private_key is not a PEM private key: OpenSSL could not decode it/);
    assert.ok(err.problem.length < 200);
  });

  it('rejects public keys, encrypted keys and non-RSA keys', () => {
    expectInvalid({ ...sampleObj, private_key: sample.publicKeyPem }, /public key or certificate/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    expectInvalid({ ...sampleObj, private_key: ec.privateKey }, /is a ec key.*need an RSA key/);
    const enc = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expectInvalid({ ...sampleObj, private_key: enc.privateKey }, /encrypted/);
  });
});
