/**
 * FreshBooks webhook signature against vectors produced by real Python (json.dumps, hmac, hashlib, base64,
 * urllib.parse.parse_qsl): test/unit/connectors/vectors/freshbooks_webhook_vectors.py → freshbooks-webhook-vectors.json.
 * FreshBooks signs Python's rendering of the form, so Python is the only oracle worth trusting here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  freshbooksSignatureMessage,
  parseFreshBooksWebhookForm,
  signFreshBooksWebhook,
  verifyFreshBooksWebhook,
} from '../../../connectors/freshbooks/webhook-signature';
import { signWebhook, webhookSignatureMessage } from '../../../sandbox/freshbooks';

interface Vector {
  name: string;
  note: string;
  body: string;
  verifier: string;
  pairs: [string, string][];
  message: string;
  signature: string;
}

const VECTOR_DIR = resolve(__dirname, 'vectors');
const VECTOR_JSON = resolve(VECTOR_DIR, 'freshbooks-webhook-vectors.json');
const GENERATOR = resolve(VECTOR_DIR, 'freshbooks_webhook_vectors.py');
const vectorFile = readFileSync(VECTOR_JSON, 'utf8');
const { vectors } = JSON.parse(vectorFile) as { generator: string; vectors: Vector[] };
const byName = new Map(vectors.map((v) => [v.name, v]));

function vector(name: string): Vector {
  const v = byName.get(name);
  assert.ok(v, `vector ${name} missing from ${VECTOR_JSON}`);
  return v;
}

const REF = 'name=invoice.create&object_id=1234567&account_id=6BApk&business_id=6543&identity_id=1234&user_id=1';
const VERIFIER = '3b1f6c2e9a8d4f70b5c1e2d3a4f5b6c7';

describe('FreshBooks webhook signature: Python vectors', () => {
  it('has every case the signature depends on', () => {
    for (const name of [
      'reference_example', 'callback_verify', 'colon_comma_in_values', 'spaces_and_plus', 'non_ascii_percent_encoded',
      'non_ascii_literal', 'quotes_and_backslashes', 'control_characters', 'slashes', 'empty_values', 'repeated_keys',
      'percent_edge_cases', 'leading_question_mark', 'semicolon_not_a_separator', 'stray_ampersands', 'empty_body',
      'non_ascii_verifier',
    ]) vector(name);
  });

  for (const v of vectors) {
    it(`${v.name}: ${v.note}`, () => {
      assert.equal(freshbooksSignatureMessage(v.body), v.message);
      assert.equal(signFreshBooksWebhook(v.body, v.verifier), v.signature);
      assert.equal(verifyFreshBooksWebhook(v.body, v.signature, v.verifier), true);
    });
  }

  it('decodes every body exactly as parse_qsl(keep_blank_values=True) does', () => {
    // Pins the decoder separately from the JSON encoder; the '&' prefix is the module's guard against
    // URLSearchParams stripping a leading '?'.
    for (const v of vectors) {
      const decoded = [...new URLSearchParams(`&${v.body}`)];
      assert.deepEqual(decoded, v.pairs, v.name);
    }
  });

  // Literal values pasted from `python3 test/unit/connectors/vectors/freshbooks_webhook_vectors.py`, so a bad regeneration
  // of the JSON cannot silently move the goalposts for the cases that matter most.
  it('reference example (literal)', () => {
    assert.equal(
      freshbooksSignatureMessage(REF),
      '{"name": "invoice.create", "object_id": "1234567", "account_id": "6BApk", "business_id": "6543", "identity_id": "1234", "user_id": "1"}',
    );
    assert.equal(signFreshBooksWebhook(REF, VERIFIER), 'rnAMbSqTCuRucYsLv4YhfhpUSg6z+VZQV/3rSVOLGY4=');
  });

  it('non-ASCII as lowercase \\uXXXX, astral as a surrogate pair (literal)', () => {
    const body = 'name=Caf%C3%A9&city=M%C3%BCnchen&zh=%E4%B8%AD%E6%96%87&emoji=%F0%9F%98%80&%C3%A9=%C3%BC';
    assert.equal(
      freshbooksSignatureMessage(body),
      '{"name": "Caf\\u00e9", "city": "M\\u00fcnchen", "zh": "\\u4e2d\\u6587", "emoji": "\\ud83d\\ude00", "\\u00e9": "\\u00fc"}',
    );
    assert.equal(signFreshBooksWebhook(body, VERIFIER), 'YZ7+0ceX5Km1h4sjo5IRYh6JReTG5ZvTlV9I0ZvpcTQ=');
  });

  it('control characters, quotes, backslashes and DEL (literal)', () => {
    assert.equal(
      freshbooksSignatureMessage('nl=line1%0Aline2&tab=a%09b&cr=%0D&bsp=%08&ff=%0C&nul=%00&us=%1F&esc=%1B&del=%7F&nel=%C2%85'),
      '{"nl": "line1\\nline2", "tab": "a\\tb", "cr": "\\r", "bsp": "\\b", "ff": "\\f", "nul": "\\u0000", "us": "\\u001f", "esc": "\\u001b", "del": "\\u007f", "nel": "\\u0085"}',
    );
    assert.equal(
      freshbooksSignatureMessage('q=say+%22hi%22&bs=C%3A%5Cpath%5Cto&mix=%5C%22&%22k%22=%5C'),
      '{"q": "say \\"hi\\"", "bs": "C:\\\\path\\\\to", "mix": "\\\\\\"", "\\"k\\"": "\\\\"}',
    );
  });

  it('repeated keys: first position, last value (literal)', () => {
    assert.equal(freshbooksSignatureMessage('a=1&b=2&a=3&c=4&b='), '{"a": "3", "b": "", "c": "4"}');
    assert.equal(signFreshBooksWebhook('a=1&b=2&a=3&c=4&b=', VERIFIER), 'PjaVxxr2a4DYJ9KbAJVhL+nVWdJdYOp7vj867qGoe58=');
  });

  it('a captured signature still covers a body re-targeted with repeated keys; the parsed form shows what it covers', () => {
    // REF's signature, and REF with a delete of another record in front of each field it keeps: a Python
    // dict folds both into REF, so the MAC is the same. The view a receiver acts on must be that dict's
    // (invoice.create of 1234567), and the repeated keys must show, so the route can refuse them.
    const captured = signFreshBooksWebhook(REF, VERIFIER);
    const retargeted = `name=client.delete&${REF.replace('object_id=1234567', 'object_id=999999&object_id=1234567')}`;
    assert.equal(verifyFreshBooksWebhook(retargeted, captured, VERIFIER), true);
    const form = parseFreshBooksWebhookForm(retargeted);
    assert.deepEqual(form.repeatedKeys, ['name', 'object_id']);
    assert.equal(form.fields.get('name'), 'invoice.create');
    assert.equal(form.fields.get('object_id'), '1234567');
    assert.equal(verifyFreshBooksWebhook(form, captured, VERIFIER), true, 'the parsed view verifies as the body does');
    assert.deepEqual(parseFreshBooksWebhookForm(REF).repeatedKeys, []);
  });

  it('separators inside values do not confuse anything (literal)', () => {
    assert.equal(
      freshbooksSignatureMessage('note=a%3Ab%2Cc&sep=%22%3A+%22&sep2=%22%2C+%22&k%3Ay%2C=v%3A%2C&braces=%7B%22x%22%3A+1%7D'),
      '{"note": "a:b,c", "sep": "\\": \\"", "sep2": "\\", \\"", "k:y,": "v:,", "braces": "{\\"x\\": 1}"}',
    );
  });

  it('matches a fresh run of the generator when python3 is available', (t) => {
    const run = spawnSync('python3', [GENERATOR], { encoding: 'utf8' });
    if (run.error || run.status !== 0) {
      t.skip(`python3 unavailable or failed: ${run.error?.message ?? run.stderr}`);
      return;
    }
    const fresh = JSON.parse(run.stdout) as { vectors: Vector[] };
    assert.deepEqual(fresh.vectors, vectors);
  });
});

describe('FreshBooks webhook signature: rejection', () => {
  const v = vector('reference_example');

  it('rejects a tampered body', () => {
    assert.equal(verifyFreshBooksWebhook(v.body.replace('object_id=1234567', 'object_id=1234568'), v.signature, v.verifier), false);
    assert.equal(verifyFreshBooksWebhook(`${v.body}&extra=1`, v.signature, v.verifier), false);
    // Reordering changes the dict's order, hence the text FreshBooks signed.
    const reordered = v.body.split('&').reverse().join('&');
    assert.equal(verifyFreshBooksWebhook(reordered, v.signature, v.verifier), false);
  });

  it('rejects a tampered signature', () => {
    const flipped = (v.signature[0] === 'A' ? 'B' : 'A') + v.signature.slice(1);
    assert.equal(verifyFreshBooksWebhook(v.body, flipped, v.verifier), false);
    // Same bytes in base64url form, and without padding: only FreshBooks' exact text passes.
    const url = v.signature.replace(/\+/g, '-').replace(/\//g, '_');
    assert.notEqual(url, v.signature);
    assert.equal(verifyFreshBooksWebhook(v.body, url, v.verifier), false);
    assert.equal(verifyFreshBooksWebhook(v.body, v.signature.replace(/=+$/, ''), v.verifier), false);
    assert.equal(verifyFreshBooksWebhook(v.body, v.signature.toLowerCase(), v.verifier), false);
  });

  it('tolerates whitespace around the header value', () => {
    assert.equal(verifyFreshBooksWebhook(v.body, ` ${v.signature}\t`, v.verifier), true);
  });

  it('rejects the wrong verifier', () => {
    assert.equal(verifyFreshBooksWebhook(v.body, v.signature, `${v.verifier}x`), false);
    assert.equal(verifyFreshBooksWebhook(v.body, v.signature, v.verifier.toUpperCase()), false);
  });

  it('rejects a missing header or a missing verifier without throwing', () => {
    assert.equal(verifyFreshBooksWebhook(v.body, undefined, v.verifier), false);
    assert.equal(verifyFreshBooksWebhook(v.body, '', v.verifier), false);
    assert.equal(verifyFreshBooksWebhook(v.body, v.signature, ''), false);
    assert.throws(() => signFreshBooksWebhook(v.body, ''), TypeError);
  });

  it('rejects non-base64 and wrong-length headers without throwing', () => {
    for (const header of [
      'not base64 at all!',
      '%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%=',
      'é'.repeat(22), // 22 characters but 44 UTF-8 bytes: passes the length check, still no match
      'ü'.repeat(44), // as many characters as a signature but 88 bytes: must not reach timingSafeEqual
      v.signature.slice(0, 20),
      `${v.signature}${v.signature}`,
      'x',
      '\u0000'.repeat(44),
    ]) {
      assert.doesNotThrow(() => verifyFreshBooksWebhook(v.body, header, v.verifier), header);
      assert.equal(verifyFreshBooksWebhook(v.body, header, v.verifier), false, header);
    }
  });

  it('does not accept an HMAC of the raw body', () => {
    const raw = createHmac('sha256', v.verifier).update(v.body, 'utf8').digest('base64');
    assert.equal(verifyFreshBooksWebhook(v.body, raw, v.verifier), false);
  });

  it('does not accept JSON.stringify semantics', () => {
    for (const name of ['reference_example', 'non_ascii_percent_encoded', 'control_characters', 'colon_comma_in_values']) {
      const w = vector(name);
      const js = JSON.stringify(Object.fromEntries(new URLSearchParams(w.body)));
      assert.notEqual(js, w.message);
      const jsSig = createHmac('sha256', w.verifier).update(js, 'utf8').digest('base64');
      assert.notEqual(jsSig, w.signature);
      assert.equal(verifyFreshBooksWebhook(w.body, jsSig, w.verifier), false, name);
    }
  });
});

/**
 * The sandbox signs its deliveries with its own, independent encoder (so a bug in the production check
 * cannot hide behind the same bug in the simulator); both must match Python on every vector.
 */
describe('FreshBooks sandbox webhook signing vs Python', () => {
  for (const v of vectors) {
    it(`${v.name}: the sandbox signs the form as FreshBooks (Python) does`, () => {
      const form = new URLSearchParams(v.pairs);
      assert.equal(webhookSignatureMessage(form), v.message);
      assert.equal(signWebhook(v.verifier, form), v.signature);
    });
  }

  it("parsing the raw body with URLSearchParams (the reference's snippet) loses a leading '?', which Python keeps", () => {
    assert.equal(
      webhookSignatureMessage(new URLSearchParams(vector('leading_question_mark').body)),
      '{"name": "invoice.create", "object_id": "1"}',
    );
    assert.notEqual(freshbooksSignatureMessage(vector('leading_question_mark').body), '{"name": "invoice.create", "object_id": "1"}');
  });

  it('what the sandbox signs, this module verifies', () => {
    // The shape of a real sandbox delivery: form.toString() on the wire, signature over the form.
    const form = new URLSearchParams([
      ['name', 'callback.verify'], ['object_id', '100001'], ['account_id', '6BApk'], ['business_id', '6543'],
      ['identity_id', '1234'], ['user_id', '1'], ['verifier', VERIFIER],
    ]);
    assert.equal(verifyFreshBooksWebhook(form.toString(), signWebhook(VERIFIER, form), VERIFIER), true);
    assert.equal(signWebhook(VERIFIER, form), vector('callback_verify').signature);
  });
});
