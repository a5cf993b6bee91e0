import { connect, NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { testNatsOptions, waitFor } from '@skiff/testing';
import { ReplicaExits } from './replica-exits';

describe('ReplicaExits (real NATS)', () => {
  let nc: NatsConnection;
  let sut: ReplicaExits;
  const fn = { namespace: 'openfaas-fn', name: 'sink' };

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
    sut = new ReplicaExits(nc);
    sut.onApplicationBootstrap();
    await nc.flush();
  });

  afterAll(async () => {
    sut.onApplicationShutdown();
    await nc.close();
  });

  const exit = (instance: string, name = fn.name) =>
    nc.publish(subjects.replicaExited(fn.namespace, name, instance), JSON.stringify({ ...fn, name, instance, reason: 'crashed' }));

  it('fails the attempts the exited replica claimed, and only those', async () => {
    const failed: string[] = [];
    const a = sut.watch(fn, (reason) => failed.push(`a: ${reason}`));
    const b = sut.watch(fn, (reason) => failed.push(`b: ${reason}`));
    nc.publish(a.claim, 'sink-aaa');
    nc.publish(b.claim, 'sink-bbb');
    await nc.flush();
    exit('sink-aaa');
    await waitFor('the failure', () => failed.length > 0, 5_000);
    expect(failed).toEqual(['a: replica sink-aaa of sink.openfaas-fn exited (crashed) while it ran the call']);
    a.done();
    b.done();
  });

  it('fails at once a claim that arrives after its replica exited', async () => {
    const failed: string[] = [];
    exit('sink-late');
    await nc.flush();
    const late = sut.watch(fn, (reason) => failed.push(reason));
    nc.publish(late.claim, 'sink-late');
    await waitFor('the failure', () => failed.length > 0, 5_000);
    late.done();
  });

  it('ignores a claim sent under another function, and exits of another function', async () => {
    const failed: string[] = [];
    const w = sut.watch(fn, (reason) => failed.push(reason));
    const forged = w.claim.replace(`.${fn.name}.`, '.other.');
    nc.publish(forged, 'sink-ccc');
    nc.publish(w.claim, 'sink-ddd');
    await nc.flush();
    exit('sink-ccc');
    exit('sink-ddd', 'other');
    await nc.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(failed).toEqual([]);
    w.done();
  });
});
