// The scale-from-zero path of the InvokeClient against a real NATS server: a "replica" served from
// this process appears only after the (stub) wake requester was asked.
import 'reflect-metadata';
import { connect, NatsConnection, Subscription } from 'nats';
import { ERROR_CODES, SkiffError, subjects } from '@skiff/contracts';
import { testNatsOptions } from '@skiff/testing';
import { decodeInvokeRequest, encodeInvokeResponse } from './invoke-codec';
import { FunctionWaker, WakeRequester } from './function-waker';
import { InvokeClient } from './invoke-client';

const NS = 'openfaas-fn';
const req = (body: string) => ({ method: 'POST', path: '/', query: '', headers: {}, body: Buffer.from(body) });

describe('FunctionWaker with InvokeClient (real NATS)', () => {
  let nc: NatsConnection;
  const replicas: Subscription[] = [];

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
  });

  afterAll(async () => {
    for (const r of replicas) r.unsubscribe();
    await nc.drain();
  });

  /** Starts an echo replica of `name` and announces it, as a watchdog does. */
  async function startReplica(name: string): Promise<void> {
    replicas.push(
      nc.subscribe(subjects.invoke(NS, name), {
        queue: subjects.queues.invoke(NS, name),
        callback: (_err, msg) => {
          const { headers, data } = encodeInvokeResponse({ status: 200, headers: {}, body: decodeInvokeRequest(msg).body });
          msg.respond(data, { headers });
        },
      }),
    );
    await nc.flush();
    nc.publish(
      subjects.replicaReady(NS, name, `${name}-1`),
      JSON.stringify({ name, namespace: NS, instance: `${name}-1`, pid: 1, host: 'test', uptimeMs: 1 }),
    );
  }

  it('wakes once for many concurrent calls and delivers every call', async () => {
    let asked = 0;
    const requester: WakeRequester = async (fn) => {
      asked++;
      setTimeout(() => void startReplica(fn.name), 150);
      return { replicas: 1, availableReplicas: 0 };
    };
    const client = new InvokeClient(nc, subjects, new FunctionWaker(nc, subjects, requester));
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.invoke({ name: 'sleepy', namespace: NS }, req(`call ${i}`), { timeoutMs: 10_000 })),
    );
    expect(replies.map((r) => Buffer.from(r.body).toString())).toEqual(Array.from({ length: 10 }, (_, i) => `call ${i}`));
    expect(asked).toBe(1);
  });

  it('fails at once with 503 and the reason when the wake request fails', async () => {
    const client = new InvokeClient(nc, subjects, new FunctionWaker(nc, subjects, async () => Promise.reject(new Error('scaler says no'))));
    const err = await client.invoke({ name: 'refused', namespace: NS }, req('x'), { timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkiffError);
    expect((err as SkiffError).code).toBe(ERROR_CODES.noReplicas.code);
    expect((err as SkiffError).message).toContain('scaler says no');
  });

  it('fails with 503 after the timeout when no replica becomes ready', async () => {
    const client = new InvokeClient(nc, subjects, new FunctionWaker(nc, subjects, async () => ({ replicas: 1, availableReplicas: 0 })));
    const err = await client.invoke({ name: 'never', namespace: NS }, req('x'), { timeoutMs: 500 }).catch((e: unknown) => e);
    expect((err as SkiffError).status).toBe(503);
    expect((err as SkiffError).message).toContain('no replica became ready');
  });

  it('without a waker, no replica is an immediate 503', async () => {
    const err = await new InvokeClient(nc, subjects)
      .invoke({ name: 'nobody', namespace: NS }, req('x'), { timeoutMs: 30_000 })
      .catch((e: unknown) => e);
    expect((err as SkiffError).code).toBe(ERROR_CODES.noReplicas.code);
  });
});
