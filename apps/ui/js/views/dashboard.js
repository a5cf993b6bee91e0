// Dashboards from the gateway's metrics history (GET /system/metrics/history, written by the scaler
// every 5 s, kept 24 h): calls per second by status class, latency p50/p95/p99, replicas, cold
// starts, the async queue, dead letters and scale decisions, over a time range from 5 minutes to
// 24 hours. The range is kept in the page's address (`?range=`) and in localStorage, so a reload
// shows the same; the data is the server's, so a reload shows the past too.
import { h, replace, formatTime } from '../dom.js';
import { metricsHistory } from '../api.js';
import { liveChart } from '../chart.js';

/** The ranges the API answers, shortest first. */
export const RANGES = ['5m', '15m', '1h', '6h', '24h'];
const DEFAULT_RANGE = '1h';
/** Where the last chosen range survives a reload (the address has it too). */
const RANGE_KEY = 'skiff.range';
/** How often the shown range is read again (a short range moves faster). */
const REFRESH_MS = { '5m': 5_000, '15m': 5_000, '1h': 10_000, '6h': 60_000, '24h': 60_000 };

/** The range in the address (`#/…?range=`), else the last chosen one, else 1 h. */
export function currentRange() {
  const fromHash = new URLSearchParams(location.hash.split('?')[1] ?? '').get('range');
  if (RANGES.includes(fromHash)) return fromHash;
  const saved = localStorage.getItem(RANGE_KEY);
  return RANGES.includes(saved) ? saved : DEFAULT_RANGE;
}

/** Writes the range into the address (without a new history entry or a re-render) and localStorage. */
function keepRange(range) {
  localStorage.setItem(RANGE_KEY, range);
  const [path, query] = location.hash.split('?');
  const params = new URLSearchParams(query ?? '');
  params.set('range', range);
  history.replaceState(null, '', `${path || '#/'}?${params}`);
}

/** Seconds as "830 µs", "23.4 ms", "1.25 s". */
export function formatSeconds(s) {
  if (s === null || s === undefined || Number.isNaN(s)) return '–';
  if (s < 0.001) return `${Math.round(s * 1e6)} µs`;
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 1)} ms`;
  return `${s.toFixed(2)} s`;
}

const perSecond = (v) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));
const whole = (v) => String(Math.round(v));

/** A chart in a card of its own, with a line of numbers under it. */
function chartCard(id, title, chart) {
  const facts = h('p', { class: 'chart-facts muted small', id: `${id}-facts` });
  return { element: h('section', { class: 'card dash-card', id }, h('h3', {}, title), chart.element, facts), chart, facts };
}

/** A number shown with its exact value kept in `data-value` (what tests compare with the API). */
function stat(id, label, value, text) {
  return h(
    'span',
    { class: 'stat', id, dataset: { value: value === null || value === undefined ? '' : String(value) } },
    `${label} `,
    h('b', {}, text),
  );
}

/**
 * Renders the dashboards of one function (`name`, `namespace`) or of the platform (no name) into
 * `root`; returns the cleanup.
 */
export function dashboard(root, { name, namespace } = {}) {
  let range = currentRange();
  let shown;
  let timer;
  let stopped = false;
  const window = () => (shown ? [shown.from / 1000, shown.to / 1000] : [Date.now() / 1000 - 3600, Date.now() / 1000]);

  const buttons = RANGES.map((r) =>
    h('button', { type: 'button', class: 'range', id: `range-${r}`, dataset: { range: r }, onclick: () => choose(r) }, r),
  );
  const status = h('span', { class: 'muted small', id: 'dash-status' }, 'loading…');
  // Why the history is not being written (no scaler runs): said, not shown as an empty chart.
  const notice = h('p', { class: 'error', id: 'dash-no-history', hidden: true });
  const summary = h('div', { class: 'dash-summary', id: 'dash-summary' });

  const rate = chartCard(
    'chart-rate',
    'Calls per second by status',
    liveChart({
      window,
      series: [
        { label: '2xx', scale: 'rate', colour: '#16a34a' },
        { label: '3xx', scale: 'rate', colour: '#2563eb' },
        { label: '4xx', scale: 'rate', colour: '#d97706' },
        { label: '5xx', scale: 'rate', colour: '#dc2626' },
      ],
      axes: { rate: 'calls/s' },
      format: { rate: perSecond },
    }),
  );
  const latency = chartCard(
    'chart-latency',
    'Latency',
    liveChart({
      window,
      series: [
        { label: 'p50', scale: 's', colour: '#2563eb' },
        { label: 'p95', scale: 's', colour: '#d97706' },
        { label: 'p99', scale: 's', colour: '#dc2626' },
      ],
      axes: { s: 'latency' },
      format: { s: formatSeconds },
    }),
  );
  const replicas = chartCard(
    'chart-replicas',
    'Replicas',
    liveChart({
      window,
      series: [
        { label: 'available', scale: 'n', colour: '#16a34a', stepped: true },
        { label: 'desired', scale: 'n', colour: '#9ca3af', dash: [6, 4], stepped: true },
      ],
      axes: { n: 'replicas' },
      format: { n: whole },
      integer: ['n'],
    }),
  );
  const cold = chartCard(
    'chart-cold',
    'Cold starts',
    liveChart({
      window,
      series: [
        { label: 'cold starts', scale: 'n', colour: '#7c3aed', bars: true },
        { label: 'start-up time', scale: 's', colour: '#0891b2', points: true },
      ],
      axes: { n: 'per step', s: 'start-up' },
      format: { n: whole, s: formatSeconds },
      integer: ['n'],
    }),
  );
  const queue = chartCard(
    'chart-queue',
    'Async queue and dead letters',
    liveChart({
      window,
      series: [
        { label: 'queued or running', scale: 'n', colour: '#2563eb', stepped: true },
        { label: 'dead letters', scale: 'n', colour: '#dc2626', stepped: true },
        { label: 'oldest waiting', scale: 's', colour: '#d97706' },
      ],
      axes: { n: 'calls', s: 'age' },
      format: { n: whole, s: formatSeconds },
      integer: ['n'],
    }),
  );
  const decisions = h('tbody');
  const decisionsCard = h(
    'section',
    { class: 'card', id: 'dash-decisions' },
    h('h3', {}, 'Scale decisions'),
    h(
      'table',
      { class: 'decisions' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['When', ...(name ? [] : ['Function']), 'Replicas', 'Reason', 'Detail'].map((c) => h('th', {}, c)),
        ),
      ),
      decisions,
    ),
  );
  const cards = [rate, latency, replicas, cold, queue];

  replace(
    root,
    h('div', { class: 'row dash-head' }, h('div', { class: 'ranges', role: 'group', 'aria-label': 'time range' }, buttons), status),
    notice,
    summary,
    h(
      'div',
      { class: 'dash-grid' },
      cards.map((c) => c.element),
    ),
    decisionsCard,
  );

  function choose(r) {
    range = r;
    keepRange(r);
    shown = undefined;
    void load();
  }

  function render(hist) {
    shown = hist;
    // The span drawn, in ms: where a point's time is on the charts' x axis.
    root.dataset.from = String(hist.from);
    root.dataset.to = String(hist.to);
    root.dataset.range = hist.range;
    for (const b of buttons) {
      b.classList.toggle('active', b.dataset.range === hist.range);
      b.setAttribute('aria-pressed', String(b.dataset.range === hist.range));
    }
    const t = hist.points.map((p) => p.t / 1000);
    const col = (f) => hist.points.map((p) => f(p) ?? null);
    rate.chart.setData([t, ...['2xx', '3xx', '4xx', '5xx'].map((c) => col((p) => p.rate?.[c]))]);
    latency.chart.setData([t, col((p) => p.latency?.p50), col((p) => p.latency?.p95), col((p) => p.latency?.p99)]);
    replicas.chart.setData([t, col((p) => p.availableReplicas), col((p) => p.replicas)]);
    cold.chart.setData([t, col((p) => (p.coldStarts ? p.coldStarts : p.coldStarts === null ? null : 0)), col((p) => p.coldStartSeconds)]);
    queue.chart.setData([t, col((p) => p.queueDepth), col((p) => p.deadLetters), col((p) => p.queueAgeSeconds)]);

    const s = hist.summary;
    const total = Object.values(s.calls).reduce((a, b) => a + b, 0);
    const errors = s.calls['5xx'];
    const step = hist.stepMs >= 60_000 ? `${hist.stepMs / 60_000} min` : `${hist.stepMs / 1000} s`;
    replace(status, `last ${hist.range}, one point per ${step}, read ${new Date(hist.to).toLocaleTimeString()}`);
    notice.hidden = !hist.reason;
    replace(notice, hist.reason ? `No history: ${hist.reason}.` : '');
    replace(
      summary,
      stat('sum-calls', 'calls', total, String(total)),
      stat('sum-2xx', '2xx', s.calls['2xx'], String(s.calls['2xx'])),
      stat('sum-4xx', '4xx', s.calls['4xx'], String(s.calls['4xx'])),
      stat('sum-5xx', '5xx', errors, `${errors}${total ? ` (${((100 * errors) / total).toFixed(1)} %)` : ''}`),
      stat('sum-p50', 'p50', s.latency?.p50, formatSeconds(s.latency?.p50)),
      stat('sum-p95', 'p95', s.latency?.p95, formatSeconds(s.latency?.p95)),
      stat('sum-p99', 'p99', s.latency?.p99, formatSeconds(s.latency?.p99)),
      stat('sum-cold', 'cold starts', s.coldStarts, `${s.coldStarts}${s.coldStarts ? `, ${formatSeconds(s.coldStartSeconds)} each` : ''}`),
    );
    const last = [...hist.points].reverse().find((p) => p.replicas !== null);
    replace(latency.facts, s.latency ? `over the range: mean ${formatSeconds(s.latency.mean)}` : 'no calls in this range');
    replace(rate.facts, `${total} calls over the range`);
    replace(replicas.facts, last ? `now ${last.availableReplicas} available of ${last.replicas} desired` : 'nothing recorded yet');
    replace(cold.facts, `${s.coldStarts} over the range`);
    replace(
      queue.facts,
      last
        ? `now ${last.queueDepth} queued or running (oldest ${formatSeconds(last.queueAgeSeconds)}), ${last.deadLetters} dead letters`
        : '',
    );
    replace(
      decisions,
      hist.decisions.length
        ? [...hist.decisions]
            .reverse()
            .map((d) =>
              h(
                'tr',
                {},
                h('td', { class: 'muted' }, formatTime(new Date(d.at).toISOString())),
                name ? null : h('td', {}, h('a', { href: `#/fn/${encodeURIComponent(d.name)}` }, `${d.name}.${d.namespace}`)),
                h('td', { class: 'num' }, `${d.from} → ${d.to}`),
                h('td', {}, h('span', { class: 'badge' }, d.reason)),
                h('td', { class: 'muted' }, d.detail ?? ''),
              ),
            )
        : h('tr', {}, h('td', { colspan: name ? 4 : 5, class: 'muted' }, 'No scale decision in this range.')),
    );
  }

  async function load() {
    clearTimeout(timer);
    const asked = range;
    try {
      const hist = await metricsHistory({ range: asked, name, namespace });
      if (stopped || asked !== range) return;
      render(hist);
    } catch (err) {
      if (stopped) return;
      replace(status, h('span', { class: 'error' }, `Cannot read the metrics history: ${err.message}`));
    }
    if (!stopped && asked === range) timer = setTimeout(() => void load(), REFRESH_MS[range]);
  }

  void load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const c of cards) c.chart.destroy();
  };
}
