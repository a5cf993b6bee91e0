// "#/": every function with its replicas and invocations, and a live chart of invocation rates.
import { h, replace, formatCount, formatRate, formatTime } from '../dom.js';
import { liveChart } from '../chart.js';

/** Most functions drawn in the overview chart (the busiest ones). */
const MAX_CHART_SERIES = 8;

function replicaCell(fn) {
  const desired = fn.replicas ?? 0;
  const available = fn.availableReplicas ?? 0;
  const state = desired === 0 ? 'idle' : available >= desired ? 'ready' : 'starting';
  return h('td', { class: `num replicas ${state}`, title: `${available} available of ${desired} desired` }, `${available} / ${desired}`);
}

function row(fn, sampler) {
  return h(
    'tr',
    { dataset: { function: fn.name } },
    h('td', {}, h('a', { href: `#/fn/${encodeURIComponent(fn.name)}`, class: 'fn-link' }, fn.name)),
    h('td', { class: 'image' }, fn.image),
    replicaCell(fn),
    h('td', { class: 'num invocations' }, formatCount(fn.invocationCount)),
    h('td', { class: 'num rate' }, formatRate(sampler.rate(fn.name))),
    h('td', { class: 'muted' }, formatTime(fn.createdAt)),
  );
}

/** Renders the list into `root`; returns the cleanup. */
export function functionsView(root, { sampler }) {
  const tbody = h('tbody');
  const status = h('p', { class: 'muted', id: 'list-status' }, 'loading…');
  const chartHolder = h('div');
  let chart;
  let charted;

  const table = h(
    'table',
    { class: 'functions', id: 'functions' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Name', 'Image', 'Replicas', 'Invocations', 'Per second', 'Created'].map((c) => h('th', {}, c)),
      ),
    ),
    tbody,
  );

  replace(
    root,
    h('div', { class: 'heading' }, h('h1', {}, 'Functions'), h('a', { class: 'button', href: '#/store' }, 'Deploy from the store')),
    status,
    table,
    h('section', { class: 'card' }, h('h2', {}, 'Invocations per second'), chartHolder),
  );

  function drawChart() {
    const busiest = [...sampler.functions.values()]
      .sort((a, b) => (b.invocationCount ?? 0) - (a.invocationCount ?? 0) || a.name.localeCompare(b.name))
      .slice(0, MAX_CHART_SERIES)
      .map((f) => f.name)
      .sort();
    const key = busiest.join('\n');
    if (key !== charted) {
      chart?.destroy();
      chart = busiest.length
        ? liveChart({ series: busiest.map((name) => ({ label: name, scale: 'rate' })), axes: { rate: 'invocations/s' } })
        : undefined;
      replace(chartHolder, chart?.element ?? h('p', { class: 'muted' }, 'No functions to chart yet.'));
      charted = key;
    }
    chart?.setData([sampler.times, ...busiest.map((name) => sampler.history.get(name).rate)]);
  }

  function render() {
    const functions = [...sampler.functions.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (sampler.error) replace(status, h('span', { class: 'error' }, `Cannot list functions: ${sampler.error}`));
    else if (!sampler.loaded) replace(status, 'loading…');
    else if (!functions.length) replace(status, 'No functions yet. ', h('a', { href: '#/store' }, 'Deploy one from the store.'));
    else
      replace(
        status,
        `${functions.length} function${functions.length === 1 ? '' : 's'} in ${sampler.namespace ? `namespace ${sampler.namespace}` : 'the default namespace'}, refreshed every 2 s.`,
      );
    replace(
      tbody,
      functions.map((fn) => row(fn, sampler)),
    );
    table.hidden = !functions.length;
    if (sampler.loaded) drawChart();
  }

  const offs = [sampler.on('sample', render), sampler.on('error', render)];
  render();
  void sampler.refresh();
  return () => {
    offs.forEach((off) => off());
    chart?.destroy();
  };
}
