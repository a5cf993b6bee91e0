import { createHmac } from 'node:crypto';
import { signatureProblem } from './webhook-signature';

describe('signatureProblem', () => {
  const secret = Buffer.from('s3cret');
  const body = Buffer.from('{"action":"opened"}');
  const hmac = createHmac('sha256', secret).update(body).digest('hex');

  it('accepts a GitHub-style and a generic signature', () => {
    expect(signatureProblem(secret, body, { github: `sha256=${hmac}` })).toBeUndefined();
    expect(signatureProblem(secret, body, { generic: hmac })).toBeUndefined();
    expect(signatureProblem(secret, body, { generic: `sha256=${hmac}` })).toBeUndefined();
    expect(signatureProblem(secret, body, { github: `sha256=${hmac.toUpperCase()}` })).toBeUndefined();
  });

  it('refuses missing, malformed and wrong signatures', () => {
    expect(signatureProblem(secret, body, {})).toMatch(/missing/);
    expect(signatureProblem(secret, body, { github: hmac })).toMatch(/sha256=/);
    expect(signatureProblem(secret, body, { github: 'sha256=zz' })).toMatch(/does not match/);
    expect(signatureProblem(secret, body, { generic: hmac.slice(0, 62) })).toMatch(/does not match/);
    expect(signatureProblem(secret, Buffer.from('other'), { github: `sha256=${hmac}` })).toMatch(/does not match/);
    expect(signatureProblem(Buffer.from('other'), body, { github: `sha256=${hmac}` })).toMatch(/does not match/);
  });

  it('checks the GitHub header when both are sent', () => {
    expect(signatureProblem(secret, body, { github: 'sha256=' + '0'.repeat(64), generic: hmac })).toMatch(/does not match/);
  });

  it('checks a timestamped X-Skiff-Signature over "<t>.<body>", any of several v1 values', () => {
    const t = 1_700_000_000;
    const v1 = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
    expect(signatureProblem(secret, body, { timestamped: `t=${t},v1=${v1}` })).toBeUndefined();
    expect(signatureProblem(secret, body, { timestamped: `t=${t},v1=${'0'.repeat(64)},v1=${v1}` })).toBeUndefined();
    expect(signatureProblem(secret, body, { timestamped: `t=${t + 1},v1=${v1}` })).toMatch(/does not match the timestamp/);
    expect(signatureProblem(secret, body, { timestamped: `t=${t},v1=${hmac}` })).toMatch(/does not match/);
    expect(signatureProblem(secret, body, { timestamped: `v1=${v1}` })).toMatch(/t=<unix seconds>/);
    // The timestamped header wins over the others.
    expect(signatureProblem(secret, body, { timestamped: `t=${t},v1=${'0'.repeat(64)}`, github: `sha256=${hmac}` })).toMatch(
      /does not match/,
    );
  });
});
