'use strict';
// Pieces every benchmark script shares: starting a built service until its /healthz answers, and
// deleting the streams, KV buckets and object stores of the benchmark's own subject prefix.
const { BootstrapError } = require('./infra');
const { ServiceRunner } = require('./service-runner');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a built service and waits until `/healthz` on `port` answers 200; `cleanups` gets its stop. */
async function startHealthyService(name, env, port, cleanups, label = name) {
  const runner = new ServiceRunner(name, { env, out: null, label }).start();
  cleanups.push(() => runner.stop(20_000));
  const url = `http://127.0.0.1:${port}/healthz`;
  const deadline = Date.now() + 60_000;
  while ((await fetch(url).catch(() => undefined))?.status !== 200) {
    if (!runner.running) throw new BootstrapError(`${label} exited during start:\n  ${runner.tail.slice(-20).join('\n  ')}`);
    if (Date.now() > deadline) throw new BootstrapError(`${label} not healthy:\n  ${runner.tail.slice(-20).join('\n  ')}`);
    await sleep(100);
  }
  return runner;
}

/** Deletes every stream, KV bucket and object store whose name carries the benchmark's prefix. */
async function deleteStreams(nc, subjects) {
  const prefixes = [subjects.streamPrefix, `KV_${subjects.streamPrefix}`, `OBJ_${subjects.streamPrefix}`];
  try {
    const jsm = await nc.jetstreamManager();
    for await (const info of jsm.streams.list()) {
      const name = info.config.name;
      if (prefixes.some((p) => name.startsWith(p))) await jsm.streams.delete(name).catch(() => undefined);
    }
  } catch {
    // JetStream unavailable: nothing to clean
  }
}

/**
 * On SIGINT/SIGTERM runs `cleanup` once, then exits 130. npm forwards a terminal's Ctrl-C a second
 * time: a repeat within a second is the same interrupt; a later one exits at once.
 */
function cleanupOnInterrupt(cleanup, say) {
  let interrupted = 0;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interrupted && Date.now() - interrupted < 1000) return;
      if (interrupted) process.exit(130);
      interrupted = Date.now();
      say('interrupted: cleaning up');
      void cleanup().finally(() => process.exit(130));
    });
  }
}

module.exports = { startHealthyService, deleteStreams, cleanupOnInterrupt };
