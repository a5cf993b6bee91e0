import { STATUS_CODES } from 'node:http';

/**
 * The lines OpenFaaS's watchdogs write about each call, word for word, so `faas-cli logs` and
 * `/system/logs` show what users of OpenFaaS are used to. Go's `log` writes them to stderr.
 */

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** docker/go-units `HumanSize`: decimal units, four significant digits (`335B`, `1.5kB`, `12.35MB`). */
export function humanSize(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${Number(size.toPrecision(4))}${DECIMAL_UNITS[unit]}`;
}

/** classic-watchdog, before each fork. */
export const CLASSIC_FORKING = 'Forking fprocess.';

/** classic-watchdog, after a call that succeeded (`Wrote %d Bytes - Duration: %f seconds`). */
export function classicWrote(bytes: number, seconds: number): string {
  return `Wrote ${bytes} Bytes - Duration: ${seconds.toFixed(6)} seconds`;
}

/** of-watchdog http mode, when it starts the upstream (`Forking - %s %s`: the process, then its arguments as a Go slice). */
export function ofWatchdogForking(command: string, args: string[]): string {
  return `Forking - ${command} [${args.join(' ')}]`;
}

/**
 * of-watchdog after each call: `<method> <uri> - <status> - ContentLength: <size> (<seconds>s)`. The
 * http mode writes the upstream's status line (`200 OK`) and its Content-Length (-1 when streamed
 * without one); the other modes the bare status code.
 */
export function ofWatchdogRequest(method: string, uri: string, status: number, bytes: number, seconds: number, statusText = false): string {
  const shown = statusText ? `${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() : String(status);
  return `${method} ${uri} - ${shown} - ContentLength: ${humanSize(bytes)} (${seconds.toFixed(4)}s)`;
}
