// The portal's dashboards in a real browser (Debian's chromium through playwright-core) against a
// real platform with a scaler writing the metrics history: known calls go in, the time range is
// switched and survives a reload (address and localStorage), and the latency numbers the page shows
// (the range's p50/p95/p99, and the latency chart's legend at one step) are the API's. Without a
// scaler the page says there is no history and why.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { MetricsHistory } from '@skiff/contracts';
import { HttpClient, Platform } from '@skiff/testing';
import { SKIP_BROWSER, SLOW, eventuallyIn, openPortalBrowser } from './browser';

jest.setTimeout(300_000);

const STATUS_SERVER = resolve(__dirname, '..', 'fixtures', 'status-server.js');
/** Set to a .png path to keep a picture of the function's dashboards (the README's screenshot). */
const SCREENSHOT = process.env.SKIFF_DASHBOARD_SCREENSHOT;

/** The page's formatting of seconds (apps/ui/js/views/dashboard.js formatSeconds). */
function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || Number.isNaN(s)) return '–';
  if (s < 0.001) return `${Math.round(s * 1e6)} µs`;
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 1)} ms`;
  return `${s.toFixed(2)} s`;
}

(SKIP_BROWSER ? describe.skip : describe)('portal dashboards in a browser', () => {
  let platform: Platform;
  let gw: HttpClient;
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[] = [];
  /** Completed calls sent, by class. */
  const sent = { '2xx': 0, '4xx': 0, '5xx': 0 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-dash-'));
    // The autoscaler would add replicas under the test's load: only the picture shows its decisions.
    platform = await Platform.start({
      services: SCREENSHOT ? ['provider', 'gateway', 'scaler', 'queue-worker'] : ['provider', 'gateway', 'scaler'],
      serviceEnv: { scaler: { SKIFF_SCALER_AUTOSCALE: SCREENSHOT ? 'true' : 'false' } },
    });
    gw = platform.client();
    const deploy = await gw.post('/system/functions', {
      service: 'statuses',
      image: 'any',
      envProcess: `${process.execPath} ${STATUS_SERVER}`,
      envVars: { mode: 'http' },
      labels: { 'com.openfaas.scale.max': '4' },
      // The picture's async calls: one at a time, a 503 dead-lettered at once.
      annotations: { 'com.openfaas.queue.max_inflight': '1', 'com.openfaas.retry.attempts': '1', 'com.openfaas.retry.codes': '503' },
    });
    expect(deploy.status).toBe(202);
    // Ready without a call, so that every call counted is one the test sent.
    await eventually('statuses to have a replica', async () => {
      const fn = await gw.get('/system/function/statuses');
      return fn.status === 200 && (fn.json<{ availableReplicas?: number }>().availableReplicas ?? 0) >= 1;
    });
    ({ context, page, pageErrors } = await openPortalBrowser(join(dir, 'profile'), undefined, 1000));
  });

  afterAll(async () => {
    await context?.close();
    await platform?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const eventually = <T>(what: string, probe: () => T | Promise<T>, timeoutMs = SLOW) =>
    eventuallyIn(page, platform, what, probe, timeoutMs);

  const history = async (query: string): Promise<MetricsHistory> => {
    const reply = await gw.get(`/system/metrics/history?${query}`);
    expect(reply.status).toBe(200);
    return reply.json<MetricsHistory>();
  };

  const attr = async (selector: string, name: string) => page.locator(selector).first().getAttribute(name, { timeout: 30_000 });

  it('shows what was sent, in the API and on the page', async () => {
    // Several steps of traffic: fast 2xx, 4xx at once, slow 5xx; then a manual scale (a decision with its reason).
    // For the README's picture: a couple of minutes of varying traffic instead of three rounds.
    const rounds = SCREENSHOT ? 40 : 3;
    for (let round = 0; round < rounds; round++) {
      const wave = SCREENSHOT ? 1 + Math.round(2 * (1 + Math.sin(round / 4))) : 1;
      const paths = [
        ...Array.from({ length: 10 * wave }, () => ['/function/statuses/status/200?ms=20', '2xx'] as const),
        ...Array.from({ length: 3 * (round % 3) }, () => ['/function/statuses/status/404', '4xx'] as const),
        ...Array.from({ length: round % 5 === 0 ? 6 : 2 }, () => ['/function/statuses/status/503?ms=300', '5xx'] as const),
      ];
      if (SCREENSHOT && round % 10 === 5) {
        for (let i = 0; i < 4; i++) expect((await gw.post('/async-function/statuses/status/200?ms=1500', 'x')).status).toBe(202);
        expect((await gw.post('/async-function/statuses/status/503', 'x')).status).toBe(202);
        sent['2xx'] += 4;
        sent['5xx'] += 1;
      }
      if (SCREENSHOT && (round === 15 || round === 30))
        expect((await gw.post('/system/scale-function/statuses', { serviceName: 'statuses', replicas: round === 15 ? 2 : 1 })).status).toBe(
          202,
        );
      for (const [path, cls] of paths) {
        const r = await gw.get(path);
        expect(String(r.status)[0]).toBe(cls[0]);
        sent[cls]++;
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
    expect((await gw.post('/system/scale-function/statuses', { serviceName: 'statuses', replicas: 2 })).status).toBe(202);
    await eventually('the history to hold every call and the decision', async () => {
      const h = await history('range=15m&function=statuses');
      const c = h.summary.calls;
      return c['2xx'] >= sent['2xx'] && c['4xx'] >= sent['4xx'] && c['5xx'] >= sent['5xx'] && h.decisions.some((d) => d.to === 2);
    });

    await page.goto(`${platform.url()}/ui/#/fn/statuses`);
    await eventually('the dashboards to load', async () => ((await attr('#sum-calls', 'data-value')) ?? '') !== '');
    // The default range is 1 h until one is chosen.
    expect(await attr('#range-1h', 'aria-pressed')).toBe('true');
  });

  it('switches the time range, and keeps it over a reload', async () => {
    await page.locator('#range-15m').click();
    await eventually('the 15 min range to show', async () => (await attr('#function-dashboard', 'data-range')) === '15m');
    expect(new URL(page.url()).hash).toBe('#/fn/statuses?range=15m');
    expect(await attr('#range-15m', 'aria-pressed')).toBe('true');
    expect(await attr('#range-1h', 'aria-pressed')).toBe('false');

    await page.reload();
    await eventually('the dashboards to load again', async () => (await attr('#function-dashboard', 'data-range')) === '15m');
    expect(await attr('#range-15m', 'aria-pressed')).toBe('true');
    expect(await page.evaluate('localStorage.getItem("skiff.range")')).toBe('15m');
    // The data is the server's: the calls made before the page was (re)loaded are there.
    expect(Number(await attr('#sum-4xx', 'data-value'))).toBe(sent['4xx']);
    expect(Number(await attr('#sum-5xx', 'data-value'))).toBe(sent['5xx']);
    expect(await page.locator('#dash-decisions').innerText()).toMatch(/→ 2\s+manual/);
  });

  it("shows the API's latency numbers: the range's quantiles and the chart at one step", async () => {
    const api = await history('range=15m&function=statuses');
    const latency = api.summary.latency!;
    expect(latency.p95).toBeGreaterThanOrEqual(0.3 / 2 ** (1 / 4)); // more than 5 % of the calls took ≥ 300 ms
    for (const q of ['p50', 'p95', 'p99'] as const) {
      expect(Number(await attr(`#sum-${q}`, 'data-value'))).toBeCloseTo(latency[q], 9);
      expect(await page.locator(`#sum-${q} b`).innerText()).toBe(formatSeconds(latency[q]));
    }

    // The chart: hover the step with the slowest p95 and read the legend.
    const step = api.points.filter((p) => p.latency).sort((a, b) => b.latency!.p95 - a.latency!.p95)[0];
    const from = Number(await attr('#function-dashboard', 'data-from'));
    const to = Number(await attr('#function-dashboard', 'data-to'));
    const over = page.locator('#chart-latency .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + ((step.t - from) / (to - from)) * box.width, box.y + box.height / 2);
    const values = page.locator('#chart-latency .u-legend .u-series .u-value');
    const legend = async () => (await values.allInnerTexts()).join(' | ');
    await eventually(`the legend to show the hovered step (${formatSeconds(step.latency!.p95)})`, async () => {
      const shown = await legend();
      return (await values.nth(2).innerText()) === formatSeconds(step.latency!.p95) || void process.stdout.write(`legend: ${shown}\n`);
    });
    expect(await values.nth(1).innerText()).toBe(formatSeconds(step.latency!.p50));
    expect(await values.nth(3).innerText()).toBe(formatSeconds(step.latency!.p99));
    if (SCREENSHOT) {
      await page.locator('#range-5m').click();
      await eventually('the 5 min range', async () => (await attr('#function-dashboard', 'data-range')) === '5m');
      await page.mouse.move(0, 0);
      await page.locator('#function-dashboard').screenshot({ path: SCREENSHOT });
      await page.locator('#range-15m').click();
      await eventually('the 15 min range again', async () => (await attr('#function-dashboard', 'data-range')) === '15m');
    }
  });

  it('shows the platform dashboard in the chosen range', async () => {
    await page.locator('nav a', { hasText: 'Dashboard' }).click();
    await eventually('the platform dashboards', async () => (await attr('#platform-dashboard', 'data-range')) === '15m');
    const api = await history('range=15m');
    expect(Number(await attr('#sum-5xx', 'data-value'))).toBe(api.summary.calls['5xx']);
    expect(await page.locator('#dash-decisions').innerText()).toContain('statuses.openfaas-fn');
    expect(await page.locator('#dash-no-history').isHidden()).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('says there is no history while no scaler runs', async () => {
    await platform.stopService('scaler');
    await eventually('the page to say why', async () => (await page.locator('#dash-no-history').isVisible()) || undefined);
    expect(await page.locator('#dash-no-history').innerText()).toMatch(/^No history: no scaler is running/);
    expect(pageErrors).toEqual([]);
  });
});
