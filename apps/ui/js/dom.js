// DOM helpers. Everything the portal shows is built with these: text goes through textContent
// and attributes through setAttribute, never through innerHTML, so names, bodies and log lines
// from the gateway can never become markup.

/**
 * Creates an element. `attrs` keys: `class`, `on<event>` (listener), `dataset`, booleans
 * (set when true), anything else via setAttribute. Children: nodes, strings, numbers, arrays,
 * null/undefined/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (see h) to a node. */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces every child of a node. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** 1234567 → "1,234,567". */
export function formatCount(n) {
  return new Intl.NumberFormat().format(n ?? 0);
}

/** Invocations per second, or an en dash before the second sample. */
export function formatRate(rate) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '–';
  return rate >= 10 ? rate.toFixed(0) : rate.toFixed(2);
}

/** An RFC 3339 time as a local date and time. */
export function formatTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? '') : d.toLocaleString();
}

/** A <dl> of [term, value] pairs; values may be nodes. */
export function definitionList(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
  );
}

/** key=value chips of a map, or "none". */
export function chips(map) {
  const entries = Object.entries(map ?? {});
  if (!entries.length) return h('span', { class: 'muted' }, 'none');
  return h(
    'span',
    { class: 'chips' },
    entries.map(([k, v]) => h('code', { class: 'chip' }, `${k}=${v}`)),
  );
}

/** Shows a short message in the notice area; errors stay until dismissed. */
export function notify(message, kind = 'info') {
  const area = document.getElementById('notices');
  const close = h('button', { class: 'link', 'aria-label': 'dismiss', onclick: () => note.remove() }, '×');
  const note = h('div', { class: `notice ${kind}` }, h('span', {}, message), close);
  area.append(note);
  if (kind !== 'error') setTimeout(() => note.remove(), 5000);
}

/** A modal yes/no question; resolves true when confirmed. */
export function confirmDialog(message, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm' });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    append(dialog, [
      h('p', {}, message),
      h(
        'div',
        { class: 'row end' },
        h('button', { type: 'button', onclick: () => finish(false) }, 'Cancel'),
        h('button', { type: 'button', class: 'danger', onclick: () => finish(true) }, confirmLabel),
      ),
    ]);
    dialog.addEventListener('cancel', () => finish(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}
