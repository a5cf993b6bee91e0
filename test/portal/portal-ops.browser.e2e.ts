// Issue 17, part 3: the portal's operator pages in a real browser (the system's chromium, driven by
// playwright-core) against a real platform with a queue-worker: create, update and delete a secret
// (its value never shown), create and delete a namespace, look an async call up by id, see a dead
// letter, show it and replay it (the call then succeeds), drop another.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { HttpClient, Platform, TEST_SANDBOX_HOST_PATHS } from '@skiff/testing';
import { SKIP_BROWSER, SLOW, eventuallyIn, openPortalBrowser } from './browser';

jest.setTimeout(300_000);

(SKIP_BROWSER ? describe.skip : describe)('portal operator pages in a browser', () => {
  let platform: Platform;
  let gw: HttpClient;
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    // Where the test tells the flaky function it is healed: opened read-write into its replicas.
    dir = mkdtempSync(join(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), 'skiff-portal-ops-'));
    chmodSync(dir, 0o777);
    platform = await Platform.start({
      services: ['provider', 'gateway', 'queue-worker'],
      env: { SKIFF_SANDBOX_HOST_PATHS: `${TEST_SANDBOX_HOST_PATHS},${dir}:rw` },
    });
    gw = platform.client();
    // A 4xx answer the page expects (a name already taken…) is logged as a console error.
    ({ context, page, pageErrors } = await openPortalBrowser(join(dir, 'profile'), /status of 4\d\d/));
  });

  afterAll(async () => {
    await context?.close();
    await platform?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const eventually = <T>(what: string, probe: () => T | Promise<T>, timeoutMs = SLOW) =>
    eventuallyIn(page, platform, what, probe, timeoutMs);
  const text = (selector: string) => page.locator(selector).first().innerText({ timeout: 30_000 });

  it('creates, updates and deletes a secret; its value never reaches the page', async () => {
    await page.goto(`${platform.url()}/ui/#/admin`);
    await page.locator('h1', { hasText: 'Secrets and namespaces' }).waitFor();
    await eventually('the secrets list', async () => (await text('#secrets-status')) !== 'loading…');
    await page.locator('#secret-name').fill('portal-key');
    await page.locator('#secret-value').fill('top-secret-1');
    await page.locator('#secret-save').click();
    await page.locator('#secrets li[data-secret="portal-key"]').waitFor({ timeout: SLOW });
    expect((await gw.get('/system/secrets')).json()).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'portal-key' })]));
    // Saving the same name again updates it.
    await page.locator('#secrets li[data-secret="portal-key"] .secret-edit').click();
    expect(await page.locator('#secret-name').inputValue()).toBe('portal-key');
    await page.locator('#secret-value').fill('top-secret-2');
    await page.locator('#secret-save').click();
    await eventually('the update notice', async () => (await text('#notices')).includes('Updated secret portal-key'));
    expect(await page.content()).not.toMatch(/top-secret/);

    await page.locator('#secrets li[data-secret="portal-key"] .secret-delete').click();
    await page.locator('dialog.confirm button.danger').click();
    await eventually('the secret gone', async () => (await page.locator('#secrets li[data-secret="portal-key"]').count()) === 0);
    expect((await gw.get('/system/secrets')).json()).toEqual([]);
  });

  it('creates and deletes a namespace', async () => {
    await page.locator('#namespace-name').fill('portal-ops-ns');
    await page.locator('#namespace-create').click();
    await page.locator('#namespaces li[data-namespace="portal-ops-ns"]').waitFor({ timeout: SLOW });
    expect((await gw.get('/system/namespaces')).json()).toContain('portal-ops-ns');
    await page.locator('#namespaces li[data-namespace="portal-ops-ns"] .namespace-delete').click();
    await page.locator('dialog.confirm button.danger').click();
    await eventually(
      'the namespace gone',
      async () => (await page.locator('#namespaces li[data-namespace="portal-ops-ns"]').count()) === 0,
    );
    expect((await gw.get('/system/namespaces')).json()).not.toContain('portal-ops-ns');
  });

  it('shows a dead letter, replays it (the call then succeeds) and drops another', async () => {
    const healed = join(dir, 'healed');
    const fn = {
      service: 'flaky',
      image: 'any',
      envProcess: `sh ${resolve(__dirname, 'fixtures', 'flaky.sh')}`,
      envVars: { combine_output: 'false', HEALED: healed },
      annotations: { 'com.openfaas.retry.attempts': '1', 'com.openfaas.retry.codes': '500' },
    };
    expect((await gw.post('/system/functions', fn)).status).toBe(202);
    await eventually('flaky to run', async () => (await gw.post('/function/flaky', '')).status === 500);
    const ids: string[] = [];
    for (const id of ['portal-replay-me', 'portal-drop-me']) {
      const accepted = await gw.post('/async-function/flaky', id, { headers: { 'X-Call-Id': id } });
      expect(accepted.status).toBe(202);
      ids.push(id);
    }

    await page.locator('nav a', { hasText: 'Async' }).click();
    await page.locator('h1', { hasText: 'Async calls' }).waitFor();
    const replayRow = page.locator('#dead-letters tr[data-call-id="portal-replay-me"]');
    await eventually('both dead letters listed', async () => {
      await page.locator('#dlq-refresh').click();
      return (await page.locator('#dead-letters tbody tr').count()) >= 2;
    });
    expect(await replayRow.innerText()).toContain('flaky.openfaas-fn');

    await replayRow.locator('.dlq-show').click();
    await eventually('the dead letter details', async () => (await text('#dlq-details')).includes('portal-replay-me'));
    expect(await text('#dlq-details')).toMatch(/Reason/);

    writeFileSync(healed, 'yes');
    await replayRow.locator('.dlq-replay').click();
    await eventually('the replayed letter gone', async () => (await replayRow.count()) === 0);

    // The call's status, looked up by its id, follows it to success.
    await page.locator('#call-id').fill('portal-replay-me');
    await eventually('the replayed call to succeed', async () => {
      await page.locator('#call-lookup').click();
      return (await text('#call-result')).includes('succeeded');
    });
    expect(await text('#call-body')).toContain('healed');

    const dropRow = page.locator('#dead-letters tr[data-call-id="portal-drop-me"]');
    await dropRow.locator('.dlq-drop').click();
    await page.locator('dialog.confirm button.danger').click();
    await eventually('the dropped letter gone', async () => (await dropRow.count()) === 0);
    expect((await gw.get('/system/async/dead-letters')).json()).toEqual([]);
  });

  it("edits a function's scaling labels; a bad value comes back with the gateway's reason", async () => {
    await page.goto(`${platform.url()}/ui/#/fn/flaky`);
    await page.locator('#scaling summary').click();
    await page.locator('#scaling-max').fill('3');
    await page.locator('#scaling-type').selectOption('capacity');
    await page.locator('#scaling-target').fill('5');
    await page.locator('#scaling-save').click();
    await eventually('the labels saved', async () => {
      const labels = (await gw.get('/system/function/flaky')).json<{ labels: Record<string, string> }>().labels;
      return labels['com.openfaas.scale.max'] === '3' && labels['com.openfaas.scale.type'] === 'capacity' ? labels : undefined;
    });
    const spec = (await gw.get('/system/function/flaky')).json<{ labels: Record<string, string>; annotations: Record<string, string> }>();
    expect(spec.labels['com.openfaas.scale.target']).toBe('5');
    // The rest of the deployment is kept.
    expect(spec.annotations['com.openfaas.retry.attempts']).toBe('1');

    await page.locator('#scaling-target').fill('lots');
    await page.locator('#scaling-save').click();
    await eventually('the 400 shown', async () => (await text('#notices')).includes('com.openfaas.scale.target'));
    expect(pageErrors).toEqual([]);
  });
});
