// The portal in a real browser (the system's chromium, driven by playwright-core) against a real
// platform: log in, see the list, deploy from the store, invoke with text and JSON, follow the
// logs, scale, see the counts and the chart, delete. One browser, one walk through, to keep the
// shared machine's load down.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { HttpClient, Platform } from '@skiff/testing';
import { SKIP_BROWSER, SLOW, eventuallyIn, openPortalBrowser } from './browser';

jest.setTimeout(300_000);

const SHOUT = resolve(__dirname, 'fixtures', 'shout.js');

/** The store the gateway serves in this test: one deployable item, one that needs a bundle first. */
const STORE = {
  version: '0.2.0',
  functions: [
    {
      title: 'Shout',
      name: 'shout',
      description: 'Answers the body in capitals.',
      author: 'portal-test',
      images: { x86_64: 'portal-test/shout:1', arm64: 'portal-test/shout:1', armhf: 'portal-test/shout:1' },
      fprocess: `${process.execPath} ${SHOUT}`,
      // Classic watchdogs put stderr into the answer unless told not to.
      environment: { combine_output: 'false' },
      labels: { 'com.openfaas.ui.ext': 'txt' },
    },
    {
      title: 'Needs a bundle',
      name: 'bundled',
      description: 'Built from a template; its bundle is not on this gateway.',
      images: { x86_64: 'portal-test/bundled:1', arm64: 'portal-test/bundled:1', armhf: 'portal-test/bundled:1' },
      skiff: { lang: 'node20', handler: 'functions/bundled' },
    },
  ],
};

(SKIP_BROWSER ? describe.skip : describe)('portal in a browser', () => {
  let platform: Platform;
  let gw: HttpClient;
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-portal-'));
    const storeFile = join(dir, 'store.json');
    writeFileSync(storeFile, JSON.stringify(STORE));
    // The scaler owns manual scaling when it runs; the platform as `npm start` runs it.
    platform = await Platform.start({
      services: ['provider', 'gateway', 'scaler'],
      serviceEnv: { gateway: { SKIFF_STORE_FILE: storeFile } },
    });
    gw = platform.client();
    // Something to list before the store deploy; its annotation is markup that must stay text.
    const deploy = await gw.post('/system/functions', {
      service: 'listed',
      image: 'portal-test/listed',
      envProcess: 'cat',
      annotations: { note: '<b id="injected">bold</b>' },
    });
    expect(deploy.status).toBe(202);
    expect((await gw.post('/system/namespace/', { name: 'portal-team', labels: { openfaas: '1' } })).status).toBe(201);
    const team = await gw.post('/system/functions', {
      service: 'team-echo',
      namespace: 'portal-team',
      image: 'portal-test/team',
      envProcess: 'cat',
    });
    expect(team.status).toBe(202);

    ({ context, page, pageErrors } = await openPortalBrowser(join(dir, 'profile')));
  });

  afterAll(async () => {
    await context?.close();
    await platform?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const eventually = <T>(what: string, probe: () => T | Promise<T>, timeoutMs = SLOW) =>
    eventuallyIn(page, platform, what, probe, timeoutMs);
  const text = (selector: string) => page.locator(selector).first().innerText({ timeout: 30_000 });

  it('opens at / behind the login and lists the functions with their replicas', async () => {
    const response = await page.goto(platform.url());
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await page.locator('h1', { hasText: 'Functions' }).waitFor();

    const row = page.locator('#functions tr[data-function="listed"]');
    await row.waitFor({ timeout: SLOW });
    expect(await row.locator('a.fn-link').innerText()).toBe('listed');
    expect(await row.locator('td.image').innerText()).toBe('portal-test/listed');
    await eventually('listed to show 1 / 1 replicas', async () => (await row.locator('td.replicas').innerText()) === '1 / 1');
  });

  it('shows labels and annotations as text, never as markup', async () => {
    await page.locator('#functions a.fn-link', { hasText: 'listed' }).click();
    await eventually('the details of listed', async () => (await text('#function-facts')).includes('portal-test/listed'));
    expect(await text('#function-facts')).toContain('note=<b id="injected">bold</b>');
    expect(await page.locator('#injected').count()).toBe(0);
  });

  it('deploys a custom function from the form, refusing a bad name first', async () => {
    await page.locator('nav a', { hasText: 'Deploy' }).click();
    await page.locator('#custom summary').click();
    await page.locator('#custom-name').fill('Not_A_Name');
    await page.locator('#custom-image').fill('portal-test/custom');
    await page.locator('#custom-deploy').click();
    expect(await text('#custom-problem')).toContain('Name: lower-case letters');
    await page.locator('#custom-name').fill('custom-cat');
    await page.locator('#custom-process').fill('cat');
    await page.locator('#custom-env').fill('GREETING=hi there\n\nMODE_X=1');
    await page.locator('#custom-labels').fill('team=portal');
    // The function page opens its log stream; it must be open before the function is deleted below.
    const logsOpened = page.waitForResponse((r) => r.url().includes('/system/logs?name=custom-cat'));
    await page.locator('#custom-deploy').click();
    await page.waitForURL(/#\/fn\/custom-cat$/);
    const spec = (await gw.get('/system/function/custom-cat')).json<{
      image: string;
      envProcess: string;
      envVars: Record<string, string>;
      labels: Record<string, string>;
    }>();
    expect(spec).toMatchObject({ image: 'portal-test/custom', envProcess: 'cat', envVars: { GREETING: 'hi there', MODE_X: '1' } });
    expect(spec.labels.team).toBe('portal');
    expect((await logsOpened).status()).toBe(200);
    // Not needed further: fewer replicas on the shared machine.
    expect((await gw.delete('/system/functions', { functionName: 'custom-cat' })).status).toBe(202);
  });

  it('deploys a function from the store with one click', async () => {
    await page.locator('nav a', { hasText: 'Deploy' }).click();
    const shout = page.locator('article[data-item="shout"]');
    await shout.waitFor();
    expect(await shout.innerText()).toContain('Answers the body in capitals.');
    // A template-built item whose bundle the gateway lacks cannot be deployed from the browser.
    expect(await page.locator('button[data-deploy="bundled"]').isDisabled()).toBe(true);
    expect(await text('article[data-item="bundled"]')).toContain('skiff store deploy bundled');

    await shout.locator('button[data-deploy="shout"]').click();
    await page.waitForURL(/#\/fn\/shout$/);
    expect(await text('#function-name')).toContain('shout');
    const deployed = (await gw.get('/system/function/shout')).json<{
      envProcess: string;
      envVars: Record<string, string>;
      labels: Record<string, string>;
    }>();
    expect(deployed.envProcess).toBe(STORE.functions[0].fprocess);
    expect(deployed.envVars).toEqual({ combine_output: 'false' });
    expect(deployed.labels['com.openfaas.ui.ext']).toBe('txt');
    await eventually('shout to be ready', async () => (await text('#function-state')) === 'ready');
  });

  it('invokes it with a text body and shows status, duration, headers and body', async () => {
    await page.locator('#invoke-body').fill('hello portal');
    await page.locator('#invoke-button').click();
    await eventually('the invoke answer', async () => (await text('#invoke-result')).includes('200'));
    expect(await text('#invoke-status')).toBe('200 OK');
    expect(await text('#invoke-response')).toBe('HELLO PORTAL');
    expect(await text('#invoke-duration')).toMatch(/\d+ ms in the browser/);
    await page.locator('#invoke-result summary').click();
    expect(await text('#invoke-result table.headers')).toContain('x-call-id');
  });

  it('refuses invalid JSON and sends valid JSON with its content type', async () => {
    await page.locator('#invoke input[type="radio"][value="json"]').check();
    expect(await page.locator('#invoke-content-type').inputValue()).toBe('application/json');
    await page.locator('#invoke-body').fill('{"word": ');
    expect(await text('#invoke-problem')).toContain('Not valid JSON');
    expect(await page.locator('#invoke-button').isDisabled()).toBe(true);

    await page.locator('#invoke-body').fill('{"word": "quiet"}');
    expect(await page.locator('#invoke-button').isDisabled()).toBe(false);
    await page.locator('#invoke-body').press('Control+Enter');
    await eventually('the JSON answer', async () => (await text('#invoke-response').catch(() => '')).includes('QUIET'));
    // The classic watchdog answers with the request's content type, so the portal pretty-prints it.
    expect(await text('#invoke-response')).toBe('{\n  "WORD": "QUIET"\n}');
  });

  it('queues an async call and shows its call id', async () => {
    await page.locator('#invoke-async').check();
    await page.locator('#invoke-button').click();
    await eventually('the async answer', async () => (await text('#invoke-status').catch(() => '')).startsWith('202'));
    expect(await text('#invoke-status')).toBe('202 Accepted');
    expect(await page.locator('#invoke-result table.headers').textContent()).toMatch(/x-call-id[0-9a-f-]{36}/);
    await page.locator('#invoke-async').uncheck();
  });

  it('follows the function’s log lines', async () => {
    await eventually('both calls in the logs', async () => {
      const logs = await text('#logs');
      return logs.includes('shout: got 12 bytes') && logs.includes('shout: got 17 bytes');
    });
    // A call made now arrives through the open follow stream.
    expect((await gw.post('/function/shout', 'seven!!')).text).toBe('SEVEN!!');
    await eventually('a followed line', async () => (await text('#logs')).includes('shout: got 7 bytes'));
  });

  it('counts the invocations and charts them', async () => {
    await eventually('3 invocations', async () => (await text('#function-invocations')).startsWith('3 '));
    expect(await page.locator('#function-invocations').innerText()).toMatch(/^3 \(\d+(\.\d+)?\/s now\)$/);
    expect(await page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('.chart').first().textContent()).toContain('invocations/s');
  });

  it('scales it up and shows the new replicas', async () => {
    await page.locator('#scale-up').click();
    await eventually('2 available replicas', async () => (await text('#function-replicas')) === '2 available of 2 desired');
    expect((await gw.get('/system/function/shout')).json<{ replicas: number }>().replicas).toBe(2);

    await page.locator('#scale-replicas').fill('1');
    await page.locator('#scale-set').click();
    await eventually('1 desired replica', async () => (await text('#function-replicas')).endsWith('of 1 desired'));
  });

  it('deletes it after a confirmation', async () => {
    await page.locator('#delete-function').click();
    const dialog = page.locator('dialog.confirm');
    expect(await dialog.innerText()).toContain('Delete the function shout?');
    await dialog.locator('button', { hasText: 'Cancel' }).click();
    expect(await dialog.count()).toBe(0);
    expect((await gw.get('/system/function/shout')).status).toBe(200);

    await page.locator('#delete-function').click();
    await page.locator('dialog.confirm button', { hasText: 'Delete shout' }).click();
    await page.waitForURL(/#\/$/);
    await eventually('shout gone from the API', async () => (await gw.get('/system/function/shout')).status === 404);
    await eventually('shout gone from the list', async () => (await page.locator('#functions tr[data-function="shout"]').count()) === 0);
    expect(await page.locator('#functions tr[data-function="listed"]').count()).toBe(1);
  });

  it('switches to another namespace and works on its functions there', async () => {
    const select = page.locator('#namespace');
    await eventually(
      'the namespace choice',
      async () => (await select.isVisible()) && (await select.locator('option[value="portal-team"]').count()) === 1,
    );
    await select.selectOption('portal-team');
    const row = page.locator('#functions tr[data-function="team-echo"]');
    await row.waitFor({ timeout: SLOW });
    expect(await page.locator('#functions tr[data-function="listed"]').count()).toBe(0);
    expect(await text('#list-status')).toContain('namespace portal-team');

    await row.locator('a.fn-link').click();
    await eventually('team-echo to be ready', async () => (await text('#function-state')) === 'ready');
    expect(await text('#invoke')).toContain('/function/team-echo.portal-team');
    await page.locator('#invoke-body').fill('from the team');
    await page.locator('#invoke-button').click();
    await eventually('the team answer', async () => (await text('#invoke-response').catch(() => '')) === 'from the team');
    expect(await text('#invoke-status')).toBe('200 OK');

    await select.selectOption('');
    await page.waitForURL(/#\/$/);
    await page.locator('#functions tr[data-function="listed"]').waitFor();
    expect(await page.locator('#functions tr[data-function="team-echo"]').count()).toBe(0);
  });

  it('raised no error in the page (scripts, CSP, loads)', () => {
    expect(pageErrors).toEqual([]);
  });
});
