import { connect, NatsConnection, StringCodec } from 'nats';
import { subjects } from '@skiff/contracts';
import { testNatsOptions, waitFor } from '@skiff/testing';
import { batchWrites } from './write-batching';

const sc = StringCodec();
const turn = () => new Promise((r) => setImmediate(r));

describe('batchWrites (real NATS)', () => {
  let batched: NatsConnection;
  let plain: NatsConnection;
  const subject = `${subjects.prefix}.batch-test`;

  beforeAll(async () => {
    batched = await connect(testNatsOptions());
    plain = await connect(testNatsOptions());
    expect(batchWrites(batched)).toBe(true);
  });

  afterAll(async () => {
    if (!batched.isClosed()) await batched.close();
    await plain.close();
  });

  it('delivers publishes from many turns, in order, and requests still get their replies', async () => {
    const got: string[] = [];
    plain.subscribe(subject, { callback: (_e, m) => got.push(sc.decode(m.data)) });
    plain.subscribe(`${subject}.echo`, { callback: (_e, m) => m.respond(m.data) });
    await plain.flush();
    for (let i = 0; i < 50; i++) {
      batched.publish(subject, sc.encode(String(i)));
      if (i % 7 === 0) await turn();
    }
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => batched.request(`${subject}.echo`, sc.encode(`r${i}`), { timeout: 5000 })),
    );
    expect(replies.map((m) => sc.decode(m.data))).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));
    await waitFor('every publish', () => got.length === 50, 10_000);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });

  it('sends what is still buffered when the connection is closed in the same turn', async () => {
    const got: string[] = [];
    plain.subscribe(`${subject}.last`, { callback: (_e, m) => got.push(sc.decode(m.data)) });
    await plain.flush();
    batched.publish(`${subject}.last`, sc.encode('last words'));
    await batched.close();
    await waitFor('the last publish', () => got.length === 1, 10_000);
    expect(got).toEqual(['last words']);
  });
});
