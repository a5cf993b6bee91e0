import { connect, NatsConnection, StringCodec } from 'nats';
import { subjects } from '@skiff/contracts';
import { testNatsOptions } from '@skiff/testing';
import { kvKeys } from './kv-keys';
import { openKvBucket } from './stream-limits';

const sc = StringCodec();

/**
 * nats.js kv.keys() waits for a message whose `pending` is 0; when the key is written while it lists,
 * that message may never come and the listing never ends (the async status by call id hung the gateway).
 */
describe('kvKeys (real JetStream)', () => {
  let nc: NatsConnection;
  const bucket = `${subjects.prefix}-kvkeys`;

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
  });

  afterAll(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`KV_${bucket}`).catch(() => undefined);
    await nc.close();
  });

  it('ends every listing while the listed key is being written, and leaves deleted keys out', async () => {
    const kv = await openKvBucket(nc, bucket);
    await kv.put('ns.gone.call-1', sc.encode('x'));
    await kv.delete('ns.gone.call-1');
    await kv.put('ns.fn.call-1', sc.encode('queued'));
    await kv.put('ns.fn.call-2', sc.encode('queued'));
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        await kv.put('ns.fn.call-1', sc.encode(`state ${n}`));
        await new Promise((r) => setTimeout(r, n % 7));
      }
    })();
    try {
      for (let i = 0; i < 300; i++) expect(await kvKeys(nc, bucket, '*.*.call-1')).toEqual(['ns.fn.call-1']);
    } finally {
      writing = false;
      await writer;
    }
    expect((await kvKeys(nc, bucket)).sort()).toEqual(['ns.fn.call-1', 'ns.fn.call-2']);
    expect(await kvKeys(nc, bucket, '*.*.nobody')).toEqual([]);
  }, 60_000);
});
