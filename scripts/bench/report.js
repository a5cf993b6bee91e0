'use strict';
// The benchmark's report (scripts/bench.js): markdown tables of the cases, their ratios to the baselines
// and goals, CPU per request by process and idle memory.
const os = require('node:os');

/**
 * Issue #15's goals: each Skiff case against its baseline in the same run (`rps` at least that many
 * times the baseline's req/s, `p50` at most that many times its median latency).
 */
const GOALS = {
  b: { baseline: 'r', rps: 0.8, p50: 1.3 },
  c: { baseline: 'r', rps: 0.6 },
  d: { baseline: 'p', rps: 0.8 },
};

/**
 * Prints the run: each case with its ratio to its baseline and goal, the verdicts, CPU per request by
 * process, and idle RSS. `run`: { connections, body, duration, warmup, loadBefore, natsShared }.
 */
function printTable(results, rss, run) {
  const { connections: CONNECTIONS, body: BODY, duration: DURATION, warmup: WARMUP } = run;
  const byKey = Object.fromEntries(results.map((r) => [r.key, r]));
  const direct = byKey.a;
  const rows = [['case', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'vs (a)', '× baseline', 'p50 ×', 'goal', 'met', 'errors']];
  const verdicts = [];
  for (const r of results) {
    if (!r.total) {
      rows.push([
        r.name,
        String(r.connections ?? CONNECTIONS),
        '0',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        `${r.errors} (no request completed)`,
      ]);
      continue;
    }
    const goal = GOALS[r.key];
    const base = goal && byKey[goal.baseline];
    let ratio = '-';
    let p50x = '-';
    let goalText = '-';
    let met = '-';
    if (goal) {
      goalText = `≥ ${goal.rps} × (${goal.baseline})${goal.p50 ? `, p50 ≤ ${goal.p50} ×` : ''}`;
      if (base?.total) {
        const x = r.rps / base.rps;
        const px = base.p50 > 0 ? r.p50 / base.p50 : NaN;
        ratio = `${x.toFixed(2)} ×`;
        p50x = Number.isFinite(px) ? `${px.toFixed(2)} ×` : '-';
        const ok = x >= goal.rps && (!goal.p50 || px <= goal.p50);
        met = ok ? 'met' : 'NOT met';
        verdicts.push(`${r.name}: ${x.toFixed(2)} × (${goal.baseline})${goal.p50 ? `, p50 ${p50x}` : ''} — goal ${goalText}: ${met}`);
      } else met = `no (${goal.baseline}) in this run`;
    }
    rows.push([
      r.name,
      String(r.connections ?? CONNECTIONS),
      r.rps.toFixed(0),
      String(r.p50),
      String(r.p99),
      direct ? `${((r.rps / direct.rps) * 100).toFixed(1)}%` : '-',
      ratio,
      p50x,
      goalText,
      met,
      String(r.errors),
    ]);
  }
  const table = (data) => {
    const widths = data[0].map((_, i) => Math.max(...data.map((row) => row[i].length)));
    const line = (row) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
    return [
      line(data[0]),
      `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
      ...data.slice(1).map(line),
    ].join('\n');
  };
  const fmt = (l) => l.map((x) => x.toFixed(2)).join(' ');
  const busy = run.loadBefore[0] > os.cpus().length * 0.5 ? '  ← the machine was busy: compare ratios and CPU per call, not req/s' : '';
  process.stdout.write(
    `\nSkiff benchmark — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n` +
      `load average before the run: ${fmt(run.loadBefore)}, after: ${fmt(os.loadavg())}${busy}\n` +
      `POST "${BODY}", keep-alive connections as listed, ${DURATION} s per case (after ${WARMUP} s warm-up); ` +
      `baselines: (r) relay for (b) and (c), (p) forker for (d)\n\n` +
      `${table(rows)}\n\n${verdicts.map((v) => `  ${v}`).join('\n')}\n\n` +
      `CPU per request (µs, measured part only; "front" is the gateway or the baseline's http server, "behind" the replica ` +
      `or what answers behind the front; a process tree includes its children, the provider is counted alone${run.natsShared ? '; nats-server is shared with other clients' : ''}):\n\n` +
      `${table(cpuRows(results, GOALS))}\n\nIdle RSS (before load; a replica with everything in its sandbox):\n\n` +
      `${table([['process', 'pid', 'RSS MB'], ...rss.map((p) => [p.name, String(p.pid ?? '-'), p.kb ? (p.kb / 1024).toFixed(1) : '-'])])}\n`,
  );
}

function cpuRows(results, GOALS) {
  const columns = ['gateway', 'function', 'nats-server', 'provider', 'load generator'];
  const rows = [['case', 'front', 'behind', 'nats-server', 'provider', 'load generator', 'total', 'platform', 'platform × baseline']];
  // "platform": what serves the call (everything but the load generator), the steadier figure on a shared machine.
  const platform = (r) => Object.entries(r.cpu).reduce((a, [k, v]) => (k === 'load generator' ? a : a + v), 0);
  const byKey = Object.fromEntries(results.map((r) => [r.key, r]));
  for (const r of results) {
    const cells = columns.map((c) => (r.cpu[c] === undefined ? '-' : r.cpu[c].toFixed(0)));
    const total = Object.values(r.cpu).reduce((a, b) => a + b, 0);
    const base = GOALS[r.key] && byKey[GOALS[r.key].baseline];
    const versus = base?.total && r.total ? `${(platform(r) / platform(base)).toFixed(2)} ×` : '-';
    rows.push([r.name, ...cells, r.total ? total.toFixed(0) : '-', r.total ? platform(r).toFixed(0) : '-', versus]);
  }
  return rows;
}

module.exports = { printTable };
