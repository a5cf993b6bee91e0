// Invoke a function with a text or JSON body and show everything that came back.
import { h, replace } from '../dom.js';
import { invokeFunction } from '../api.js';

const METHODS = ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'];
const DEFAULT_TYPES = { text: 'text/plain', json: 'application/json' };

/** The reply body, pretty-printed when it is JSON. */
function formatBody(body, headers) {
  const type = headers.find(([k]) => k === 'content-type')?.[1] ?? '';
  if (/json/i.test(type)) {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      // Not JSON after all: show it as it is.
    }
  }
  return body;
}

/** The invoke panel of one function. */
export function invokePanel(name, namespace) {
  let mode = 'text';
  const method = h(
    'select',
    { id: 'invoke-method', 'aria-label': 'method' },
    METHODS.map((m) => h('option', { value: m }, m)),
  );
  const path = h('input', { id: 'invoke-path', type: 'text', placeholder: '/path?query (optional)', 'aria-label': 'path and query' });
  const contentType = h('input', { id: 'invoke-content-type', type: 'text', value: DEFAULT_TYPES.text, 'aria-label': 'content type' });
  const body = h('textarea', {
    id: 'invoke-body',
    rows: 6,
    spellcheck: 'false',
    placeholder: 'request body',
    'aria-label': 'request body',
  });
  const problem = h('p', { class: 'error', id: 'invoke-problem', role: 'alert' });
  const queued = h('input', { type: 'checkbox', id: 'invoke-async' });
  const go = h('button', { type: 'submit', id: 'invoke-button', class: 'primary', title: 'Ctrl+Enter in the body' }, 'Invoke');
  const result = h('div', { class: 'invoke-result', id: 'invoke-result', 'aria-live': 'polite' });

  const modeButton = (value, label) =>
    h(
      'label',
      { class: 'radio' },
      h('input', { type: 'radio', name: `body-mode-${name}`, value, checked: value === mode, onchange: () => setMode(value) }),
      label,
    );

  function setMode(next) {
    // Keep a content type the user typed; swap only our own default.
    if (contentType.value === DEFAULT_TYPES[mode] || !contentType.value) contentType.value = DEFAULT_TYPES[next];
    mode = next;
    validate();
  }

  /** The body to send, or undefined with the reason shown when it is not valid. */
  function validate() {
    const noBody = method.value === 'GET' && !queued.checked;
    body.disabled = noBody;
    let reason = '';
    if (!noBody && mode === 'json' && body.value.trim()) {
      try {
        JSON.parse(body.value);
      } catch (err) {
        reason = `Not valid JSON: ${err.message}`;
      }
    }
    problem.textContent = reason;
    go.disabled = Boolean(reason);
    return !reason;
  }

  async function invoke(event) {
    event.preventDefault();
    if (!validate()) return;
    go.disabled = true;
    replace(result, h('p', { class: 'muted' }, 'invoking…'));
    try {
      const reply = await invokeFunction({
        name,
        namespace,
        path: path.value.trim(),
        method: method.value,
        body: body.value,
        contentType: contentType.value.trim(),
        async: queued.checked,
      });
      const ok = reply.status >= 200 && reply.status < 300;
      const gatewaySeconds = reply.headers.find(([k]) => k === 'x-duration-seconds')?.[1];
      replace(
        result,
        h(
          'p',
          { class: 'status-line' },
          h('span', { class: `badge ${ok ? 'ok' : 'bad'}`, id: 'invoke-status' }, `${reply.status} ${reply.statusText}`),
          h(
            'span',
            { class: 'muted', id: 'invoke-duration' },
            ` ${reply.ms.toFixed(0)} ms in the browser${gatewaySeconds ? `, ${(Number(gatewaySeconds) * 1000).toFixed(1)} ms in the function` : ''}`,
          ),
        ),
        h(
          'details',
          {},
          h('summary', {}, `Headers (${reply.headers.length})`),
          h(
            'table',
            { class: 'headers' },
            h(
              'tbody',
              {},
              reply.headers.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))),
            ),
          ),
        ),
        h(
          'pre',
          { class: 'body', id: 'invoke-response' },
          formatBody(reply.body, reply.headers) || h('span', { class: 'muted' }, '(empty body)'),
        ),
      );
    } catch (err) {
      replace(result, h('p', { class: 'error' }, `The call failed: ${err.message}`));
    } finally {
      validate();
    }
  }

  method.addEventListener('change', validate);
  queued.addEventListener('change', validate);
  body.addEventListener('input', validate);
  // Ctrl+Enter (⌘+Enter) in the body sends the call.
  body.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) go.click();
  });
  validate();

  return h(
    'section',
    { class: 'card', id: 'invoke' },
    h('h2', {}, 'Invoke'),
    h(
      'form',
      { onsubmit: invoke },
      h('div', { class: 'row' }, method, h('code', { class: 'muted' }, `/function/${namespace ? `${name}.${namespace}` : name}`), path),
      h(
        'div',
        { class: 'row' },
        h('span', {}, 'Body:'),
        modeButton('text', 'Text'),
        modeButton('json', 'JSON'),
        h('label', { class: 'inline' }, 'Content-Type ', contentType),
      ),
      body,
      problem,
      h(
        'div',
        { class: 'row' },
        go,
        h(
          'label',
          { class: 'inline', title: 'POST /async-function/…: queued, answered 202 with an X-Call-Id' },
          queued,
          ' Async (queue the call)',
        ),
      ),
    ),
    result,
  );
}
