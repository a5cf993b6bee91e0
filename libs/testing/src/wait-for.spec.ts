import { waitFor, waitWithLogs } from './wait-for';

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let n = 0;
    await expect(waitFor('n to reach 3', () => (++n >= 3 ? n : undefined), 1000, 1)).resolves.toBe(3);
  });

  it('names what it waited for and the last error on time-out', async () => {
    await expect(
      waitFor(
        'the impossible',
        () => {
          throw new Error('no way');
        },
        20,
        5,
      ),
    ).rejects.toThrow(/waiting for the impossible \(last error: no way\)/);
  });
});

describe('waitWithLogs', () => {
  it("adds the context and the tail of the services' output to a failure", async () => {
    const source = { logs: () => `${'x'.repeat(50)}the last words` };
    const failure = waitWithLogs(source, 'never', () => undefined, {
      timeoutMs: 20,
      intervalMs: 5,
      tailChars: 14,
      context: async () => '\n--- page ---\nthe page',
    });
    await expect(failure).rejects.toThrow(/waiting for never\n--- page ---\nthe page\n--- service output \(tail\) ---\nthe last words$/);
  });
});
