// "#/admin": secrets (names only: create, update, delete) and namespaces (list, create, delete).
import { h, replace, notify, confirmDialog } from '../dom.js';
import { listSecrets, saveSecret, deleteSecret, listNamespaces, createNamespace, deleteNamespace } from '../api.js';

/** Runs an action, tells how it went, then reloads. */
async function act(done, action, reload) {
  try {
    await action();
    notify(done);
  } catch (err) {
    notify(err.message, 'error');
  }
  await reload();
}

/** Secrets of the sampler's namespace; a value is written, never shown. */
function secretsCard(namespace) {
  const list = h('ul', { id: 'secrets', class: 'plain' });
  const status = h('p', { class: 'muted', id: 'secrets-status' }, 'loading…');
  const name = h('input', { id: 'secret-name', type: 'text', placeholder: 'name', autocomplete: 'off' });
  const value = h('input', { id: 'secret-value', type: 'password', placeholder: 'value', autocomplete: 'new-password' });
  const load = async () => {
    try {
      const secrets = await listSecrets(namespace);
      replace(status, secrets.length ? `${secrets.length} secret(s) in ${namespace || 'the default namespace'}` : 'No secrets.');
      replace(
        list,
        secrets.map((s) =>
          h(
            'li',
            { dataset: { secret: s.name } },
            h('span', { class: 'mono' }, s.name),
            h('button', { type: 'button', class: 'secret-edit', onclick: () => ((name.value = s.name), value.focus()) }, 'New value'),
            h(
              'button',
              {
                type: 'button',
                class: 'secret-delete danger',
                onclick: async () => {
                  if (await confirmDialog(`Delete secret ${s.name}? Functions that mount it fail to start.`, 'Delete'))
                    await act(`Deleted secret ${s.name}`, () => deleteSecret(s.name, namespace), load);
                },
              },
              'Delete',
            ),
          ),
        ),
      );
    } catch (err) {
      replace(status, h('span', { class: 'error' }, err.message));
    }
  };
  const save = async (event) => {
    event.preventDefault();
    const n = name.value.trim();
    if (!n || !value.value) return notify('a secret needs a name and a value', 'error');
    const exists = [...list.children].some((li) => li.dataset.secret === n);
    const secret = { name: n, value: value.value, namespace, update: exists };
    value.value = '';
    await act(`${exists ? 'Updated' : 'Created'} secret ${n}`, () => saveSecret(secret), load);
  };
  void load();
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Secrets'),
    status,
    list,
    h(
      'form',
      { class: 'row', onsubmit: save },
      name,
      value,
      h('button', { type: 'submit', class: 'primary', id: 'secret-save' }, 'Save secret'),
    ),
  );
}

function namespacesCard() {
  const list = h('ul', { id: 'namespaces', class: 'plain' });
  const name = h('input', { id: 'namespace-name', type: 'text', placeholder: 'new namespace', autocomplete: 'off' });
  const load = async () => {
    try {
      const names = await listNamespaces();
      replace(
        list,
        names.map((n) =>
          h(
            'li',
            { dataset: { namespace: n } },
            h('span', { class: 'mono' }, n),
            h(
              'button',
              {
                type: 'button',
                class: 'namespace-delete danger',
                onclick: async () => {
                  if (await confirmDialog(`Delete namespace ${n}?`, 'Delete'))
                    await act(`Deleted namespace ${n}`, () => deleteNamespace(n), load);
                },
              },
              'Delete',
            ),
          ),
        ),
      );
    } catch (err) {
      replace(list, h('li', { class: 'error' }, err.message));
    }
  };
  const create = async (event) => {
    event.preventDefault();
    const n = name.value.trim();
    if (!n) return;
    name.value = '';
    await act(`Created namespace ${n}`, () => createNamespace(n), load);
  };
  void load();
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Namespaces'),
    h('p', { class: 'muted' }, 'A function or secret is deployed into a namespace that exists: create it here first.'),
    list,
    h(
      'form',
      { class: 'row', onsubmit: create },
      name,
      h('button', { type: 'submit', class: 'primary', id: 'namespace-create' }, 'Create'),
    ),
  );
}

/** Renders the view; returns the cleanup. */
export function adminView(root, { sampler }) {
  replace(root, h('h1', {}, 'Secrets and namespaces'), secretsCard(sampler.namespace), namespacesCard());
  return () => {};
}
