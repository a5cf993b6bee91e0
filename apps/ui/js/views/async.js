// "#/async": an async call's status by its X-Call-Id (and cancel while it waits), and the dead
// letters: list, show, replay, drop.
import { h, replace, definitionList, notify, confirmDialog, formatTime } from '../dom.js';
import { asyncStatus, cancelCall, listDeadLetters, showDeadLetter, replayDeadLetter, dropDeadLetter } from '../api.js';

const when = (ms) => (ms ? formatTime(new Date(ms).toISOString()) : '');

function callDetails(call) {
  return definitionList([
    ['Call', call.callId],
    ['Function', `${call.name}.${call.namespace}`],
    ['State', h('span', { id: 'call-state' }, call.state)],
    ['Attempts', `${call.attempts ?? 0}${call.maxAttempts ? ` of ${call.maxAttempts}` : ''}`],
    ['Queued', when(call.queuedAt)],
    ['Finished', when(call.finishedAt)],
    ['Status', call.statusCode ?? ''],
    ['Duration', call.durationSeconds !== undefined ? `${call.durationSeconds} s` : ''],
    ['Error', call.error ?? ''],
    ['Body', call.body === undefined ? '' : h('pre', { id: 'call-body' }, call.bodyEncoding === 'base64' ? '(binary, base64)' : call.body)],
  ]);
}

/** The call lookup card. */
function statusCard() {
  const id = h('input', { id: 'call-id', type: 'text', placeholder: 'X-Call-Id', autocomplete: 'off', required: true });
  const fn = h('input', { id: 'call-function', type: 'text', placeholder: 'function[.namespace] (optional)', autocomplete: 'off' });
  const out = h('div', { id: 'call-result' });
  const look = async (event) => {
    event?.preventDefault();
    const callId = id.value.trim();
    if (!callId) return;
    try {
      const call = await asyncStatus(callId, fn.value.trim() || undefined);
      const cancel =
        call.state === 'queued'
          ? h('button', { type: 'button', class: 'danger', id: 'call-cancel', onclick: () => doCancel(call) }, 'Cancel this call')
          : null;
      replace(out, callDetails(call), cancel);
    } catch (err) {
      replace(out, h('p', { class: 'error' }, err.message));
    }
  };
  const doCancel = async (call) => {
    if (!(await confirmDialog(`Cancel async call ${call.callId} of ${call.name}? It will not run.`, 'Cancel call'))) return;
    try {
      await cancelCall(call.callId, `${call.name}.${call.namespace}`);
      notify(`Cancelled ${call.callId}`);
    } catch (err) {
      notify(err.message, 'error');
    }
    await look();
  };
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Async call status'),
    h('form', { class: 'row', onsubmit: look }, id, fn, h('button', { type: 'submit', class: 'primary', id: 'call-lookup' }, 'Look up')),
    out,
  );
}

/** The dead-letter card: a table with show / replay / drop per letter. */
function deadLettersCard() {
  const tbody = h('tbody');
  const status = h('p', { class: 'muted', id: 'dlq-status' }, 'loading…');
  const details = h('div', { id: 'dlq-details' });
  const load = async () => {
    try {
      const letters = await listDeadLetters();
      replace(status, letters.length ? `${letters.length} dead letter(s)` : 'No dead letters.');
      replace(tbody, letters.map(row));
    } catch (err) {
      replace(status, h('span', { class: 'error' }, err.message));
    }
  };
  const act = async (what, fn) => {
    try {
      await fn();
      notify(what);
    } catch (err) {
      notify(err.message, 'error');
    }
    replace(details);
    await load();
  };
  const show = async (id) => {
    try {
      const d = await showDeadLetter(id);
      replace(
        details,
        h('h3', {}, `Dead letter ${d.id}`),
        definitionList([
          ['Function', `${d.name}.${d.namespace}`],
          ['Call', d.callId],
          ['Request', `${d.method} ${d.path} (${d.bodySize} bytes)`],
          ['Last status', d.status],
          ['Attempts', d.attempts],
          ['Queued', d.queuedAt ? formatTime(d.queuedAt) : ''],
          ['Given up', formatTime(d.deadAt)],
          ['Reason', d.reason],
          ['Callback', d.callbackUrl ?? ''],
        ]),
      );
    } catch (err) {
      notify(err.message, 'error');
    }
  };
  const row = (d) =>
    h(
      'tr',
      { dataset: { deadLetter: String(d.id), callId: d.callId } },
      h('td', { class: 'num' }, d.id),
      h('td', {}, `${d.name}.${d.namespace}`),
      h('td', { class: 'mono' }, d.callId),
      h('td', { class: 'num' }, d.status),
      h('td', { class: 'num' }, d.attempts),
      h('td', { class: 'muted' }, formatTime(d.deadAt)),
      h('td', {}, d.reason),
      h(
        'td',
        { class: 'actions' },
        h('button', { type: 'button', class: 'dlq-show', onclick: () => show(d.id) }, 'Show'),
        h(
          'button',
          { type: 'button', class: 'dlq-replay primary', onclick: () => act(`Replayed ${d.callId}`, () => replayDeadLetter(d.id)) },
          'Replay',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'dlq-drop danger',
            onclick: async () => {
              if (await confirmDialog(`Drop dead letter ${d.id} (call ${d.callId})? It cannot be replayed afterwards.`, 'Drop'))
                await act(`Dropped dead letter ${d.id}`, () => dropDeadLetter(d.id));
            },
          },
          'Drop',
        ),
      ),
    );
  void load();
  return h(
    'section',
    { class: 'card' },
    h('div', { class: 'row' }, h('h2', {}, 'Dead letters'), h('button', { type: 'button', id: 'dlq-refresh', onclick: load }, 'Refresh')),
    status,
    h(
      'table',
      { id: 'dead-letters' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Id', 'Function', 'Call', 'Status', 'Attempts', 'Given up', 'Reason', ''].map((t) => h('th', {}, t)),
        ),
      ),
      tbody,
    ),
    details,
  );
}

/** Renders the view; returns the cleanup. */
export function asyncView(root) {
  replace(root, h('h1', {}, 'Async calls'), statusCard(), deadLettersCard());
  return () => {};
}
