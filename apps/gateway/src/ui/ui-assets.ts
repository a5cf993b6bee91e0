import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** URL prefix of the portal (given without the slash so that `/ui` redirects to `/ui/`). */
export const UI_PREFIX = '/ui';

/** URL prefix of the chart library, served straight from node_modules. */
export const UPLOT_PREFIX = `${UI_PREFIX}/vendor/uplot/`;

/** The only files of uPlot's dist folder the portal loads. */
export const UPLOT_FILES: readonly string[] = ['/uPlot.esm.js', '/uPlot.min.css'];

/**
 * The portal's static folder (`apps/ui`), found by walking up from this file, so the same code
 * works from the sources (`apps/gateway/src/ui`) and from the build (`dist/apps/gateway/src/ui`).
 */
export function defaultUiDir(from = __dirname): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'apps', 'ui');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** uPlot's `dist` folder, wherever npm put the package. */
export function uplotDistDir(): string {
  return dirname(require.resolve('uplot'));
}

/**
 * Headers of every portal file: the portal sits behind basic auth, so nothing may be cached by
 * shared caches, and the page may load only its own scripts and styles (no inline code), which
 * also blunts any markup a function name or a log line could smuggle in.
 */
export const UI_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'private, no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
};
