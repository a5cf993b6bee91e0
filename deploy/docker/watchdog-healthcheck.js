'use strict';
// HEALTHCHECK of a function image: the watchdog's /_/health (200 while it accepts calls).
const port = (process.env.SKIFF_WATCHDOG_PORT || '8080').toLowerCase();
if (port === 'off' || port === '0') process.exit(0); // no listener to ask: Docker's view is the process
fetch(`http://127.0.0.1:${port}/_/health`, { signal: AbortSignal.timeout(2500) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
