// The browser both portal suites drive: the system's chromium through playwright-core, with the
// errors the page raised collected, and a waitFor that shows the page and the services on failure.
import { existsSync } from 'node:fs';
import { chromium, BrowserContext, Page } from 'playwright-core';
import { Platform, TEST_ADMIN_PASSWORD, waitWithLogs } from '@skiff/testing';

/** Debian's chromium (`npm test` installs it). */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Replicas start as real processes on a shared 2-core machine: be patient. */
export const SLOW = 90_000;

/** Opt-out for machines without a browser; without it a missing chromium fails the test, never skips it silently. */
export const SKIP_BROWSER = /^(1|true|yes)$/i.test(process.env.SKIFF_SKIP_BROWSER_TESTS ?? '');

/** An open browser on the admin user's credentials. */
export interface PortalBrowser {
  context: BrowserContext;
  page: Page;
  /** Script errors and console errors (Content-Security-Policy violations, failed loads) of the page. */
  pageErrors: string[];
}

/** Launches chromium with its profile in `profileDir`; console errors matching `ignoreConsole` are expected ones. */
export async function openPortalBrowser(profileDir: string, ignoreConsole?: RegExp, viewportHeight = 900): Promise<PortalBrowser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (npm test does), or set SKIFF_SKIP_BROWSER_TESTS=1`);
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    httpCredentials: { username: 'admin', password: TEST_ADMIN_PASSWORD },
    viewport: { width: 1280, height: viewportHeight },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !ignoreConsole?.test(msg.text())) pageErrors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  return { context, page, pageErrors };
}

/** waitFor that adds the page text (once there is a page) and the services' output to a failure. */
export function eventuallyIn<T>(
  page: Page | undefined,
  platform: Platform,
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = SLOW,
): Promise<NonNullable<T>> {
  const pageText = async () => (page ? `\n--- page ---\n${(await page.locator('main').innerText()).slice(0, 4000)}` : '');
  return waitWithLogs(platform, what, probe, { timeoutMs, intervalMs: 250, tailChars: 6000, context: pageText });
}
