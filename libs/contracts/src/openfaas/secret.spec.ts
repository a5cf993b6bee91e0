import 'reflect-metadata';
import { parsePayload } from '../validation';
import { Secret, isSecretName } from './secret';

describe('Secret', () => {
  it('accepts value, base64 rawValue (standard, padded, or empty) and a namespace', () => {
    expect(parsePayload(Secret, { name: 'db.password', value: 'x', namespace: 'team-a' })).toMatchObject({ name: 'db.password' });
    for (const rawValue of ['', 'AAEC/w==', 'aGk=', 'aGVsbG8h'])
      expect(parsePayload(Secret, { name: 'bin', rawValue }).rawValue).toBe(rawValue);
  });

  it('rejects bad names and values without echoing the value', () => {
    for (const name of ['../x', 'a/b', '..', 'a..b', 'UP', '-a', 'a-', '', 'x'.repeat(254)]) expect(isSecretName(name)).toBe(false);
    expect(() => parsePayload(Secret, { name: 'ok', rawValue: 'not base64!' })).toThrow(/rawValue: must be a base64 string/);
    try {
      parsePayload(Secret, { name: 'ok', value: 12345678 });
    } catch (err) {
      expect((err as Error).message).toMatch(/value: must be a string/);
      expect((err as Error).message).not.toContain('12345678');
    }
  });
});
