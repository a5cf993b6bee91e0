'use strict';
// HEALTHCHECK of a service image: GET /healthz on the service's own HTTP port (its SKIFF_*_PORT).
const PORTS = {
  gateway: ['SKIFF_GATEWAY_PORT', 8080],
  provider: ['SKIFF_PROVIDER_PORT', 8081],
  scaler: ['SKIFF_SCALER_PORT', 8082],
  'queue-worker': ['SKIFF_QUEUE_WORKER_PORT', 8083],
  'connector-webhook': ['SKIFF_WEBHOOK_PORT', 8085],
  'connector-cron': ['SKIFF_CONNECTOR_CRON_PORT', 8086],
};
const [variable, fallback] = PORTS[process.env.SKIFF_SERVICE] ?? ['SKIFF_HEALTH_PORT', 8080];
const port = process.env[variable] || fallback;
fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2500) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
