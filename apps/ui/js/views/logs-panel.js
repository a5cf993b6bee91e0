// A function's log lines: the last N, then (with follow) new ones as they are written.
import { h, replace } from '../dom.js';
import { readLogs } from '../api.js';

/** Lines kept on screen; older ones scroll away. */
const MAX_LINES = 2000;

/** The logs panel of one function; call `stop()` when leaving the page. */
export function logsPanel(name, namespace) {
  const tail = h('input', { type: 'number', min: 1, max: 10000, value: 100, id: 'logs-tail', 'aria-label': 'lines of history' });
  const follow = h('input', { type: 'checkbox', id: 'logs-follow', checked: true });
  const state = h('span', { class: 'muted', id: 'logs-state' });
  const output = h('div', { class: 'log-lines', id: 'logs', role: 'log' });
  let abort;

  const placeholder = () =>
    h('p', { class: 'muted log-empty' }, 'No lines yet: the function’s stderr (and, for non-classic modes, stdout) shows up here.');

  function add(line) {
    output.querySelector('.log-empty')?.remove();
    const atBottom = output.scrollHeight - output.scrollTop - output.clientHeight < 24;
    const time = new Date(line.timestamp);
    output.append(
      h(
        'div',
        { class: 'log-line' },
        h('span', { class: 'log-time', title: line.timestamp }, Number.isNaN(time.getTime()) ? '' : time.toLocaleTimeString()),
        h('span', { class: 'log-instance', title: line.instance }, (line.instance ?? '').slice(-8)),
        h('span', { class: 'log-text' }, (line.text ?? '').replace(/\n$/, '')),
      ),
    );
    while (output.childElementCount > MAX_LINES) output.firstElementChild.remove();
    if (atBottom) output.scrollTop = output.scrollHeight;
  }

  async function start() {
    abort?.abort();
    const mine = (abort = new AbortController());
    replace(output, placeholder());
    state.textContent = follow.checked ? 'following…' : 'loading…';
    try {
      await readLogs({ name, namespace, tail: Number(tail.value) || 100, follow: follow.checked, signal: mine.signal, onLine: add });
      if (abort === mine)
        state.textContent = mine.signal.aborted
          ? 'stopped'
          : follow.checked
            ? 'stream ended'
            : `${output.querySelectorAll('.log-line').length} line(s)`;
    } catch (err) {
      if (abort === mine && !mine.signal.aborted) state.textContent = `cannot read the logs: ${err.message}`;
    }
  }

  const stop = () => {
    abort?.abort();
    state.textContent = 'stopped';
  };
  follow.addEventListener('change', start);
  tail.addEventListener('change', start);

  const element = h(
    'section',
    { class: 'card', id: 'logs-panel' },
    h(
      'div',
      { class: 'heading' },
      h('h2', {}, 'Logs'),
      h(
        'div',
        { class: 'row' },
        h('label', { class: 'inline' }, 'Last ', tail, ' lines'),
        h('label', { class: 'inline' }, follow, ' Follow'),
        h('button', { type: 'button', onclick: start }, 'Reload'),
        h('button', { type: 'button', onclick: () => replace(output, placeholder()) }, 'Clear'),
        state,
      ),
    ),
    output,
  );
  void start();
  return { element, stop };
}
