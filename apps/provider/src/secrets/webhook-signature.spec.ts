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
});
