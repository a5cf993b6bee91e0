// "#/fn/<name>": one function: facts, scale, scaling labels, delete, live chart, invoke and logs.
import { h, replace, chips, confirmDialog, definitionList, formatCount, formatRate, formatTime, notify } from '../dom.js';
import { deleteFunction, scaleFunction } from '../api.js';
import { liveChart } from '../chart.js';
import { invokePanel } from './invoke-panel.js';
import { logsPanel } from './logs-panel.js';
import { scalingPanel } from './scaling-panel.js';
import { dashboard } from './dashboard.js';

/** Most replicas the scale control offers (the gateway accepts more; this only guards typos). */
const MAX_SCALE = 100;

function stateOf(fn) {
  const desired = fn.replicas ?? 0;
  const available = fn.availableReplicas ?? 0;
  if (desired === 0) return ['idle', 'scaled to zero'];
  if (available >= desired) return ['ready', 'ready'];
  return ['starting', `starting (${available} of ${desired})`];
}

function scaleControl(name, namespace, sampler) {
  const input = h('input', { type: 'number', min: 0, max: MAX_SCALE, step: 1, id: 'scale-replicas', 'aria-label': 'replicas' });
  const apply = async (replicas) => {
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_SCALE) {
      notify(`Replicas must be a whole number from 0 to ${MAX_SCALE}.`, 'error');
      return;
    }
    try {
      await scaleFunction(name, replicas, namespace);
      notify(`Scaling ${name} to ${replicas} replica${replicas === 1 ? '' : 's'}.`);
      input.value = String(replicas);
      delete input.dataset.dirty;
      await sampler.refresh();
    } catch (err) {
      notify(err.message, 'error');
    }
  };
  input.addEventListener('input', () => (input.dataset.dirty = 'true'));
  const current = () => Number(input.value || sampler.functions.get(name)?.replicas || 0);
  const element = h(
    'form',
    { class: 'row scale', onsubmit: (e) => (e.preventDefault(), apply(Number(input.value))) },
    h('span', {}, 'Replicas'),
    h(
      'button',
      { type: 'button', id: 'scale-down', 'aria-label': 'one replica less', onclick: () => apply(Math.max(0, current() - 1)) },
      '−',
    ),
    input,
    h('button', { type: 'button', id: 'scale-up', 'aria-label': 'one replica more', onclick: () => apply(current() + 1) }, '+'),
    h('button', { type: 'submit', id: 'scale-set' }, 'Set'),
  );
  return { element, input };
}

/** Renders one function into `root`; returns the cleanup. */
export function functionView(root, { sampler, name }) {
  const facts = h('div', { id: 'function-facts' });
  const badge = h('span', { class: 'badge', id: 'function-state' });
  const namespace = sampler.namespace;
  const scale = scaleControl(name, namespace, sampler);
  const chart = liveChart({
    series: [
      { label: 'invocations/s', scale: 'rate' },
      { label: 'replicas (available)', scale: 'replicas', colour: '#16a34a', stepped: true },
      { label: 'replicas (desired)', scale: 'replicas', colour: '#9ca3af', dash: [6, 4], stepped: true },
    ],
    axes: { rate: 'invocations/s', replicas: 'replicas' },
  });
  const logs = logsPanel(name, namespace);
  const dashHolder = h('div', { id: 'function-dashboard' });

  async function remove() {
    if (!(await confirmDialog(`Delete the function ${name}? Its replicas stop and it can no longer be invoked.`, `Delete ${name}`))) return;
    try {
      await deleteFunction(name, namespace);
      notify(`Deleted ${name}.`);
      await sampler.refresh();
      location.hash = '#/';
    } catch (err) {
      notify(err.message, 'error');
    }
  }

  replace(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Functions'), ' / ', name),
    h(
      'div',
      { class: 'heading' },
      h('h1', { id: 'function-name' }, name, ' ', badge),
      h(
        'div',
        { class: 'row' },
        scale.element,
        h('button', { type: 'button', class: 'danger', id: 'delete-function', onclick: remove }, 'Delete'),
      ),
    ),
    h('section', { class: 'card' }, facts),
    scalingPanel(
      () => sampler.functions.get(name),
      () => sampler.refresh(),
    ),
    h('section', { class: 'card' }, h('h2', {}, 'Live'), chart.element),
    h('section', { class: 'dash' }, h('h2', {}, 'History'), dashHolder),
    invokePanel(name, namespace),
    logs.element,
  );

  function render() {
    const fn = sampler.functions.get(name);
    if (!fn) {
      badge.className = 'badge bad';
      badge.textContent = sampler.loaded ? 'not found' : 'loading';
      replace(
        facts,
        sampler.loaded ? h('p', { class: 'error' }, `There is no function ${name} (any more).`) : h('p', { class: 'muted' }, 'loading…'),
      );
      return;
    }
    const [state, label] = stateOf(fn);
    badge.className = `badge ${state}`;
    badge.textContent = label;
    if (!scale.input.dataset.dirty && document.activeElement !== scale.input) scale.input.value = String(fn.replicas ?? 0);
    replace(
      facts,
      definitionList([
        ['Image', fn.image],
        ['Namespace', fn.namespace],
        ['Process', fn.envProcess || h('span', { class: 'muted' }, 'default')],
        ['Replicas', h('span', { id: 'function-replicas' }, `${fn.availableReplicas ?? 0} available of ${fn.replicas ?? 0} desired`)],
        [
          'Invocations',
          h('span', { id: 'function-invocations' }, `${formatCount(fn.invocationCount)} (${formatRate(sampler.rate(name))}/s now)`),
        ],
        ['URL', h('code', {}, `${location.origin}/function/${namespace ? `${name}.${namespace}` : name}`)],
        ['Created', formatTime(fn.createdAt)],
        ['Labels', chips(fn.labels)],
        ['Annotations', chips(fn.annotations)],
        ['Environment', chips(fn.envVars)],
        ['Secrets', fn.secrets?.length ? fn.secrets.join(', ') : h('span', { class: 'muted' }, 'none')],
      ]),
    );
    const history = sampler.history.get(name);
    if (history) chart.setData([sampler.times, history.rate, history.available, history.replicas]);
  }

  const offs = [sampler.on('sample', render), sampler.on('error', render)];
  const stopDashboard = dashboard(dashHolder, { name, namespace });
  render();
  void sampler.refresh();
  return () => {
    offs.forEach((off) => off());
    stopDashboard();
    chart.destroy();
    logs.stop();
  };
}
