#!/usr/bin/env node
'use strict';
// Room an idle function takes in the metrics history (`node scripts/bench-metrics-history.js`, after
// `npm run build`): the points the scaler's writer stores for a function with no call and the same
// replicas over 24 h of steps (its IdlePoints from dist/), and the same with every step stored (before
// idle steps were skipped), published into a stream configured as `<P>_METRICS` is (24 h max age, 1440
// points per series) on a nats-server of its own; prints points and bytes per hour written, bytes
// held, and how many idle functions SKIFF_METRICS_MAX_BYTES (128 MiB) holds.
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { connect, JSONCodec } = require('nats');
const { freePort, probeNats, waitUntil } = require('./lib/infra');
const { REPO_ROOT } = require('./lib/paths');

const { METRICS_POINTS_PER_SERIES, METRICS_STEPS, emptyMetricsPoint } = require(join(REPO_ROOT, 'dist/libs/contracts/src'));
const { loadJetStreamLimits, useProcessSettings } = require(join(REPO_ROOT, 'dist/libs/config/src'));
const { IdlePoints } = require(join(REPO_ROOT, 'dist/apps/scaler/src/history/idle-points'));
const { ensureMetricsStream } = require(join(REPO_ROOT, 'dist/libs/nats/src'));

const HOUR = 3_600_000;
const MAX_BYTES = 128 * 1024 * 1024;
const FUNCTIONS = 20;
const json = JSONCodec();
// The defaults, as a service without SKIFF_* settings has them.
useProcessSettings({ subjectPrefix: 'faas', limits: loadJetStreamLimits({}) });
const { subjects } = require(join(REPO_ROOT, 'dist/libs/contracts/src'));

/** The points of one idle function's series over 24 h that are held at the end, and how many were written. */
function heldPoints(skipIdle) {
  const held = [];
  let written = 0;
  for (const [step, { stepMs, heartbeatMs }] of Object.entries(METRICS_STEPS)) {
    const stored = new IdlePoints(heartbeatMs);
    const series = [];
    for (let t = 0; t < 24 * HOUR; t += stepMs) {
      const point = { ...emptyMetricsPoint(t, stepMs), replicas: 1, availableReplicas: 1 };
      if (skipIdle && !stored.keep('ns.fn', point)) continue;
      written++;
      series.push([step, point]);
    }
    // The stream keeps the last 1440 of each series (all of 24 h is within its max age).
    held.push(...series.slice(-METRICS_POINTS_PER_SERIES));
  }
  return { held, writtenPerHour: written / 24 };
}

async function measure(nc, skipIdle) {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(subjects.metricsStream).catch(() => undefined);
  await ensureMetricsStream(nc, subjects, MAX_BYTES);
  const js = nc.jetstream();
  const { held, writtenPerHour } = heldPoints(skipIdle);
  for (let f = 0; f < FUNCTIONS; f++) {
    const name = `function-${String(f).padStart(4, '0')}`;
    await Promise.all(held.map(([step, p]) => js.publish(subjects.metricsFunction(step, 'openfaas-fn', name), json.encode(p))));
  }
  const { state } = await jsm.streams.info(subjects.metricsStream);
  const perMessage = state.bytes / state.messages;
  const bytes = state.bytes / FUNCTIONS;
  return { points: held.length, bytes, writtenPerHour, bytesPerHour: writtenPerHour * perMessage, fit: Math.floor(MAX_BYTES / bytes) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-history-'));
  const port = await freePort();
  const server = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
  try {
    await waitUntil('nats-server', () => probeNats('127.0.0.1', port), { child: server });
    const nc = await connect({ servers: `127.0.0.1:${port}` });
    const rows = { 'every step stored (before)': await measure(nc, false), 'idle steps skipped (now)': await measure(nc, true) };
    await nc.close();
    process.stdout.write(`one idle function (1 replica, no call), ${FUNCTIONS} measured, SKIFF_METRICS_MAX_BYTES ${MAX_BYTES} (128 MiB)\n`);
    for (const [what, r] of Object.entries(rows))
      process.stdout.write(
        `${what}: ${r.writtenPerHour.toFixed(1)} points/h written (${Math.round(r.bytesPerHour)} B/h), ` +
          `${r.points} points held = ${Math.round(r.bytes)} B; idle functions in 128 MiB with full retention: ${r.fit}\n`,
      );
  } finally {
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
