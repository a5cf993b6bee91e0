import { SkiffError } from '@skiff/contracts/errors';
import { parseLogQuery } from './log-query';

const NS = 'openfaas-fn';

function problem(query: Record<string, unknown>): SkiffError {
  try {
    parseLogQuery(query, NS);
  } catch (err) {
    return err as SkiffError;
  }
  throw new Error('expected a 422');
}

describe('parseLogQuery', () => {
  it('applies the defaults', () => {
    expect(parseLogQuery({ name: 'env' }, NS)).toEqual({
      name: 'env',
      namespace: NS,
      instance: undefined,
      since: undefined,
      tail: undefined,
      follow: false,
    });
  });

  it('reads every parameter, the last of a repeated one winning', () => {
    const q = parseLogQuery(
      { name: ['x', 'env'], namespace: 'team-a', instance: 'env-1a2b', since: '2024-05-01T10:00:00.5+02:00', tail: '20', follow: 'True' },
      NS,
    );
    expect(q).toEqual({
      name: 'env',
      namespace: 'team-a',
      instance: 'env-1a2b',
      since: new Date('2024-05-01T08:00:00.500Z'),
      tail: 20,
      follow: true,
    });
  });

  it('treats a tail of zero or less as unlimited', () => {
    expect(parseLogQuery({ name: 'env', tail: '-1' }, NS).tail).toBeUndefined();
    expect(parseLogQuery({ name: 'env', tail: '0' }, NS).tail).toBeUndefined();
  });

  it.each([
    [{ name: 'env', since: 'yesterday' }, /since/],
    [{ name: 'env', since: '2024-05-01' }, /since/],
    [{ name: 'env', tail: 'ten' }, /tail/],
    [{ name: 'env', tail: '1.5' }, /tail/],
    [{ name: 'env', follow: 'yes' }, /follow/],
    [{}, /name is required/],
    [{ name: 'Bad_Name' }, /name/],
    [{ name: 'env', namespace: '../etc' }, /namespace/],
    [{ name: 'env', instance: 'a.*' }, /instance/],
  ])('answers 422 for %p', (query, reason) => {
    const err = problem(query);
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/^could not parse the log request/);
    expect(err.message).toMatch(reason);
  });
});
