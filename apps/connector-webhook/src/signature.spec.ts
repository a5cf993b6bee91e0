import { createHmac } from 'node:crypto';
import { signatureProblem } from './signature';

describe('signatureProblem', () => {
  const secret = Buffer.from('s3cret');
  const body = Buffer.from('{"action":"opened"}');
  const hmac = createHmac('sha256', secret).update(body).digest('hex');

  it('accepts a GitHub-style and a generic signature', () => {
    expect(signatureProblem(secret, body, { 'x-hub-signature-256': `sha256=${hmac}` })).toBeUndefined();
    expect(signatureProblem(secret, body, { 'x-signature': hmac })).toBeUndefined();
    expect(signatureProblem(secret, body, { 'x-signature': `sha256=${hmac}` })).toBeUndefined();
  });

  it('refuses missing, malformed and wrong signatures', () => {
    expect(signatureProblem(secret, body, {})).toMatch(/missing/);
    expect(signatureProblem(secret, body, { 'x-hub-signature-256': hmac })).toMatch(/sha256=/);
    expect(signatureProblem(secret, body, { 'x-hub-signature-256': 'sha256=zz' })).toMatch(/does not match/);
    expect(signatureProblem(secret, Buffer.from('other'), { 'x-hub-signature-256': `sha256=${hmac}` })).toMatch(/does not match/);
  });
});
