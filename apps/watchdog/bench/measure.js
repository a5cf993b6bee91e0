#!/usr/bin/env node
// Quick local numbers for the watchdog (not a test, not the benchmark suite):
// spawn → replica.ready per mode, idle RSS per replica, and inproc calls/s through NATS.
// Usage: npm run build && node apps/watchdog/bench/measure.js [seconds]
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { connect } = require('nats');

const root = join(__dirname, '../../..');
const { encodeInvokeRequest, decodeInvokeResponse } = require(join(root, 'dist/libs/invoke/src/invoke-codec.js'));
const { SubjectRegistry } = require(join(root, 'dist/libs/contracts/src/subjects.js'));

const prefix = `bench${process.pid}`;
const subjects = new SubjectRegistry(prefix);
const natsUrl = process.env.SKIFF_NATS_URL || 'nats://127.0.0.1:4222';
const seconds = Number(process.argv[2] || 3);
const fixture = (f) => join(root, 'test/fixtures', f);

const MODES = {
  classic: { fprocess: 'cat' },
  http: { mode: 'http', fprocess: `node ${fixture('http-echo-server.js')}` },
  inproc: { mode: 'inproc', handler_module: fixture('inproc-hello.js') },
};

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
// Private (unshared) memory: what one more replica really costs; RSS also counts the shared node binary.
const privateMb = (pid) => Number(/Private_Dirty:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]) / 1024;
const childPids = (pid) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

async function startReplica(nc, name, env) {
  const sub = nc.subscribe(subjects.replicaReady('openfaas-fn', name), { max: 1 });
  await nc.flush();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'dist/apps/watchdog/src/main.js')], {
    env: {
      ...process.env,
      ...env,
      SKIFF_SUBJECT_PREFIX: prefix,
      SKIFF_NATS_URL: natsUrl,
      SKIFF_FUNCTION_NAME: name,
      SKIFF_WATCHDOG_PORT: 'off',
      SKIFF_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for await (const _ of sub) break;
  return {
    child,
    readyMs: performance.now() - t0,
    cpuMs: cpuMs(child.pid) + childPids(child.pid).reduce((sum, pid) => sum + cpuMs(pid), 0),
  };
}

// CPU time used so far (user + system): unlike wall time, it does not grow when the host is busy.
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const stop = (child) => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM')));
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function loop(nc, name, concurrency, ms) {
  const subject = subjects.invoke('openfaas-fn', name);
  const { headers, data } = encodeInvokeRequest({ method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array(0) }, 5000);
  let done = 0;
  let failed = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const res = decodeInvokeResponse(await nc.request(subject, data, { timeout: 5000, headers }));
        if (res.status === 200) done++;
        else failed++;
      }
    }),
  );
  return { rps: Math.round(done / (ms / 1000)), failed };
}

(async () => {
  const nc = await connect({ servers: natsUrl });
  for (const [mode, env] of Object.entries(MODES)) {
    const times = [];
    const cpu = [];
    let last;
    for (let i = 0; i < 5; i++) {
      if (last) await stop(last.child);
      last = await startReplica(nc, `m-${mode}`, env);
      times.push(last.readyMs);
      cpu.push(last.cpuMs);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const kids = childPids(last.child.pid);
    const rss = rssMb(last.child.pid);
    const own = privateMb(last.child.pid);
    const childRss = kids.reduce((sum, pid) => sum + rssMb(pid), 0);
    const calls = await loop(nc, `m-${mode}`, mode === 'classic' ? 8 : 32, seconds * 1000);
    console.log(
      `${mode.padEnd(8)} spawn→ready median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, CPU ${median(cpu)} ms), ` +
        `idle RSS ${rss.toFixed(1)} MB (private ${own.toFixed(1)} MB)` +
        (kids.length ? ` (+ upstream ${childRss.toFixed(1)} MB)` : '') +
        `, ${calls.rps} calls/s${calls.failed ? ` (${calls.failed} non-200)` : ''}`,
    );
    await stop(last.child);
  }
  await nc.drain();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
