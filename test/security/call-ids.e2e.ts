import 'reflect-metadata';
import { nanos } from 'nats';
import { subjects } from '@skiff/contracts';
import { triggerCallId } from '@skiff/async';
import { basicAuthHeader } from '@skiff/testing';
import { AsyncHarness, text } from '../async/harness';

jest.setTimeout(180_000);

/**
 * Audit #8: a caller-chosen `X-Call-Id` was a global key. The attacker's call to `echo` made the
 * victim's call to `victim` with the same id vanish (202, never ran), and a resubmission outside
 * JetStream's 2-minute duplicate window overwrote a finished result. Every request here is anonymous,
 * as `/async-function/*` is public; status and cancel use the admin login.
 */
describe('#8 X-Call-Id is scoped per function', () => {
  const h = new AsyncHarness();
  const ran = new Map<string, string[]>();

  beforeAll(async () => {
    await h.connect();
    for (const name of ['echo', 'victim']) {
      ran.set(name, []);
      await h.deploy(name);
      h.replica(name, (req) => {
        ran.get(name)!.push(`${req.headers['x-call-id'] as string}:${text(req.body)}`);
        return { status: 200, body: Buffer.from(`${name}:${text(req.body)}`) };
      });
    }
    await h.startGateway();
    await h.startWorker();
  });

  afterAll(() => h.close());

  const anonymous = (fn: string, callId: string, body: string) =>
    h.submit(`/async-function/${fn}`, { body, headers: { 'X-Call-Id': callId } });
  const status = async (callId: string, fn?: string) => {
    const res = await fetch(`${h.gatewayUrl}/async-function/status/${callId}${fn ? `?function=${fn}` : ''}`, {
      headers: basicAuthHeader(),
    });
    return { status: res.status, body: res.status === 200 ? ((await res.json()) as Record<string, unknown>) : await res.text() };
  };

  it("an attacker's call with the victim's id cannot make the victim's call vanish", async () => {
    expect((await anonymous('echo', 'order-4711', 'attacker-first')).status).toBe(202);
    await h.waitState('order-4711', 'succeeded');
    const victim = await anonymous('victim', 'order-4711', 'victim-private-payload');
    expect(victim.status).toBe(202);
    const done = await status('order-4711', 'victim');
    expect(done.status).toBe(200);
    await h.waitStateOf('order-4711', 'victim', 'succeeded');
    expect(ran.get('victim')).toContain('order-4711:victim-private-payload');
    expect((await status('order-4711', 'victim.openfaas-fn')).body).toMatchObject({
      name: 'victim',
      body: 'victim:victim-private-payload',
    });
    expect((await status('order-4711', 'echo')).body).toMatchObject({ name: 'echo', body: 'echo:attacker-first' });
  });

  it('status or cancel by id alone refuses to guess when two functions used it (409), and finds it when one did', async () => {
    const ambiguous = await status('order-4711');
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body).toMatch(/echo\.openfaas-fn.*victim\.openfaas-fn|victim\.openfaas-fn.*echo\.openfaas-fn/);
    expect(ambiguous.body).toMatch(/\?function=/);
    const cancel = await fetch(`${h.gatewayUrl}/async-function/order-4711`, { method: 'DELETE', headers: basicAuthHeader() });
    expect(cancel.status).toBe(409);
    expect((await anonymous('victim', 'only-victim', 'v')).status).toBe(202);
    await h.waitStateOf('only-victim', 'victim', 'succeeded');
    expect((await status('only-victim')).body).toMatchObject({ name: 'victim', state: 'succeeded' });
  });

  it('a finished result is never overwritten, even after the duplicate window: another body is 409, the same body is the idempotent 202', async () => {
    expect((await anonymous('victim', 'v-done', 'victim-payload')).status).toBe(202);
    await h.waitStateOf('v-done', 'victim', 'succeeded');
    // What two minutes would do: JetStream no longer remembers the message id.
    const jsm = await h.nc.jetstreamManager();
    const info = await jsm.streams.info(subjects.asyncStream);
    await jsm.streams.update(subjects.asyncStream, { ...info.config, duplicate_window: nanos(100) });
    await new Promise((r) => setTimeout(r, 500));

    const other = await anonymous('victim', 'v-done', 'attacker-payload');
    expect(other.status).toBe(409);
    expect(await other.text()).toMatch(/v-done.*different request/);
    const same = await anonymous('victim', 'v-done', 'victim-payload');
    expect(same.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await status('v-done', 'victim')).body).toMatchObject({ state: 'succeeded', body: 'victim:victim-payload', attempts: 1 });
    expect(ran.get('victim')!.filter((r) => r.startsWith('v-done:'))).toEqual(['v-done:victim-payload']);
  });

  it('the ids of triggered calls are reserved: a caller cannot pre-empt a cron tick or topic delivery (400)', async () => {
    for (const kind of ['cron', 'topic']) {
      const res = await anonymous('victim', triggerCallId(kind, 'tick-2030-01-01T00:00:00Z', 'openfaas-fn', 'victim'), 'pre-empted');
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/reserved/);
    }
  });
});
