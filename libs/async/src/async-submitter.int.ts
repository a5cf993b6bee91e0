import { connect, headers as natsHeaders, NatsConnection } from 'nats';
import { ASYNC_HEADERS, INVOKE_HEADERS, subjects } from '@skiff/contracts';
import { testNatsOptions } from '@skiff/testing';
import { AsyncResultStore, openAsyncResultsBucket } from './async-results';
import { ensureAsyncStreams } from './async-streams';
import { AsyncSubmitter } from './async-submitter';

const STORE = { resultTtlMs: 3_600_000, deadLetterMaxAgeMs: 3_600_000 };

describe('AsyncSubmitter (real JetStream)', () => {
  let nc: NatsConnection;
  let results: AsyncResultStore;
  let submitter: AsyncSubmitter;

  const call = (callId: string, body = 'body') => {
    const h = natsHeaders();
    h.set(ASYNC_HEADERS.callId, callId);
    h.set(INVOKE_HEADERS.method, 'POST');
    return { callId, namespace: 'openfaas-fn', name: 'sub-test', headers: h, data: new TextEncoder().encode(body) };
  };
  const ref = (callId: string) => ({ callId, namespace: 'openfaas-fn', name: 'sub-test' });
  const lastMessage = async () =>
    (await nc.jetstreamManager()).streams.getMessage(subjects.asyncStream, { last_by_subj: subjects.asyncCall('openfaas-fn', 'sub-test') });

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
    await ensureAsyncStreams(nc, subjects, STORE);
    results = new AsyncResultStore(await openAsyncResultsBucket(nc, subjects, STORE), subjects, nc);
    submitter = new AsyncSubmitter(nc.jetstream(), results, subjects);
  });

  afterAll(async () => {
    const jsm = await nc.jetstreamManager();
    for (const s of [
      subjects.asyncStream,
      subjects.asyncCallbackStream,
      subjects.asyncDeadLetterStream,
      `KV_${subjects.asyncResultsBucket}`,
      `OBJ_${subjects.asyncBodiesStore}`,
    ])
      await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
  });

  it('stores the queued state first and sends its revision with the call', async () => {
    expect(await submitter.submit(call('rev-1'))).toBe('queued');
    const stored = await results.get(ref('rev-1'));
    expect(stored?.value).toMatchObject({ state: 'queued', attempts: 0 });
    const msg = await lastMessage();
    expect(msg.header.get(ASYNC_HEADERS.callId)).toBe('rev-1');
    expect(msg.header.get('Nats-Msg-Id')).toBe(subjects.asyncCallKey('openfaas-fn', 'sub-test', 'rev-1'));
    expect(Number(msg.header.get(ASYNC_HEADERS.stateRevision))).toBe(stored!.revision);
  });

  it('answers duplicate for a known call id within the duplicate window and leaves the stored message as it was', async () => {
    const stored = await results.get(ref('rev-1'));
    await results.replace({ ...stored!.value, state: 'succeeded', attempts: 1 }, stored!.revision);
    // Outside JetStream's duplicate window is what makes it a re-submission; inside it is a duplicate.
    expect(await submitter.submit(call('rev-1'))).toBe('duplicate');
    const dup = call('rev-1');
    dup.headers.set(ASYNC_HEADERS.stateRevision, '999999');
    expect(await submitter.submit(dup)).toBe('duplicate');
    expect((await lastMessage()).header.get(ASYNC_HEADERS.stateRevision)).toBe(String(stored!.revision));
  });

  it('never runs or overwrites a finished call again: the same request is a duplicate, another is a conflict', async () => {
    const stored = await results.get(ref('rev-1'));
    const seq = (await lastMessage()).seq;
    // Long after the duplicate window, JetStream would store a copy; the submitter does not get that far.
    expect(await submitter.submit(call('rev-1'))).toBe('duplicate');
    await expect(submitter.submit(call('rev-1', 'another body'))).rejects.toMatchObject({ code: 'async/call-id-conflict', status: 409 });
    expect((await lastMessage()).seq).toBe(seq);
    expect((await results.get(ref('rev-1')))?.revision).toBe(stored!.revision);
  });

  it('keeps the same id of two functions apart', async () => {
    const other = { ...call('rev-1'), name: 'sub-other' };
    expect(await submitter.submit(other)).toBe('queued');
    expect((await results.get({ ...ref('rev-1'), name: 'sub-other' }))?.value).toMatchObject({ name: 'sub-other', state: 'queued' });
    expect((await results.find('rev-1')).map((r) => r.value.name)).toEqual(['sub-other', 'sub-test']);
  });
});
