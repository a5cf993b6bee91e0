import { connect, JetStreamManager, NatsConnection, StorageType } from 'nats';
import { subjects } from '@skiff/contracts';
import { testNatsOptions } from '@skiff/testing';
import { isJetStreamError, isMessageNotFound, jetStreamErrorCode } from './jetstream-errors';
import { openKvBucket } from './stream-limits';

/** The manager's direct-get API (present at runtime, missing from the typings of nats 2.29). */
type DirectGet = JetStreamManager & { direct: { getMessage(stream: string, query: { seq: number }): Promise<unknown> } };

/** The codes the platform branches on, as a real nats-server sends them (messages may change, codes do not). */
describe('JetStream API error codes (real JetStream)', () => {
  let nc: NatsConnection;
  const stream = `${subjects.streamPrefix}_JSERR`;
  const bucket = `${subjects.prefix}-jserr`;

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
  });

  afterAll(async () => {
    const jsm = await nc.jetstreamManager();
    for (const name of [stream, `KV_${bucket}`]) await jsm.streams.delete(name).catch(() => undefined);
    await nc.close();
  });

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => Promise.reject(new Error('accepted')),
      (err: unknown) => err,
    );

  it('tells stream not found, name in use, consumer not found and no message apart', async () => {
    const jsm = await nc.jetstreamManager();
    const missing = await failure(jsm.streams.info(`${stream}_NONE`));
    expect(isJetStreamError(missing, 'streamNotFound')).toBe(true);

    await jsm.streams.add({ name: stream, subjects: [`${subjects.prefix}.jserr.a`], storage: StorageType.Memory, allow_direct: true });
    const inUse = await failure(jsm.streams.add({ name: stream, subjects: [`${subjects.prefix}.jserr.b`], storage: StorageType.Memory }));
    expect(isJetStreamError(inUse, 'streamNameInUse')).toBe(true);
    expect(isJetStreamError(inUse, 'streamNotFound')).toBe(false);

    expect(isJetStreamError(await failure(jsm.consumers.info(stream, 'nobody')), 'consumerNotFound')).toBe(true);
    expect(isJetStreamError(await failure(jsm.streams.getMessage(stream, { seq: 99 })), 'noMessageFound')).toBe(true);
    // A direct get answers a bare 404 status, no API error: isMessageNotFound tells both.
    expect(isMessageNotFound(await failure(jsm.streams.getMessage(stream, { seq: 99 })))).toBe(true);
    expect(isMessageNotFound(await failure((jsm as DirectGet).direct.getMessage(stream, { seq: 99 })))).toBe(true);
    expect(isMessageNotFound(inUse)).toBe(false);
  });

  it('tells a compare-and-set on a stale revision (wrong last sequence)', async () => {
    const kv = await openKvBucket(nc, bucket, {});
    const revision = await kv.put('k', new TextEncoder().encode('1'));
    await kv.put('k', new TextEncoder().encode('2'));
    const stale = await failure(kv.update('k', new TextEncoder().encode('3'), revision));
    expect(jetStreamErrorCode(stale)).toBe(10071);
    expect(isJetStreamError(stale, 'wrongLastSequence')).toBe(true);
  });

  it('is false for what is no JetStream API error', () => {
    expect(isJetStreamError(new Error('stream not found'), 'streamNotFound')).toBe(false);
    expect(isJetStreamError(undefined, 'streamNotFound')).toBe(false);
  });
});
