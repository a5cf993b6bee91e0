// "#/store": the function store (GET /system/store), one click to deploy an item.
import { h, replace, notify } from '../dom.js';
import { bundleImages, deployFunction, listStore, updateFunction } from '../api.js';
import { customDeployForm } from './custom-deploy.js';

/** The store's image key for the gateway's machine (GET /system/info `arch`), x86_64 by default. */
function platformOf(arch) {
  if (/arm64|aarch64/i.test(arch ?? '')) return 'arm64';
  if (/^arm/i.test(arch ?? '')) return 'armhf';
  return 'x86_64';
}

/** The item's source link when it is a web address (a store file is data, not trusted markup). */
function sourceLink(url) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
    return h('a', { href: parsed.href, rel: 'noopener noreferrer', target: '_blank' }, 'source');
  } catch {
    return null;
  }
}

/** The deploy request for a store item, as `skiff store deploy` sends it. */
export function deploySpec(item, image, namespace) {
  return {
    service: item.name,
    image,
    namespace,
    envProcess: item.fprocess,
    envVars: item.environment ?? {},
    labels: item.labels ?? {},
    annotations: item.annotations ?? {},
    readOnlyRootFilesystem: item.readOnlyRootFilesystem || undefined,
  };
}

/** Renders the store into `root`; returns the cleanup. */
export function storeView(root, { sampler, info }) {
  const filter = h('input', { type: 'search', placeholder: 'filter', id: 'store-filter', 'aria-label': 'filter the store' });
  const grid = h('div', { class: 'store-grid', id: 'store' });
  const status = h('p', { class: 'muted' }, 'loading the store…');
  let items = [];
  let bundles = new Set();

  replace(
    root,
    h('div', { class: 'heading' }, h('h1', {}, 'Deploy')),
    customDeployForm(sampler),
    h('div', { class: 'heading' }, h('h2', {}, 'From the store'), filter),
    status,
    grid,
  );

  async function deploy(item, image, button) {
    const update = sampler.functions.has(item.name);
    const label = button.textContent;
    button.disabled = true;
    button.textContent = update ? 'Updating…' : 'Deploying…';
    try {
      await (update ? updateFunction : deployFunction)(deploySpec(item, image, sampler.namespace));
      notify(`${update ? 'Updated' : 'Deployed'} ${item.name}.`);
      await sampler.refresh();
      location.hash = `#/fn/${encodeURIComponent(item.name)}`;
    } catch (err) {
      notify(err.message, 'error');
      button.disabled = false;
      button.textContent = label;
    }
  }

  function card(item) {
    const platform = platformOf(info()?.arch);
    const image = item.images?.[platform];
    const deployed = sampler.functions.has(item.name);
    const needsBundle = Boolean(item.skiff) && image && !bundles.has(image);
    const button = h('button', { type: 'button', class: 'primary', dataset: { deploy: item.name } }, deployed ? 'Update' : 'Deploy');
    button.addEventListener('click', () => deploy(item, image, button));
    button.disabled = !image || needsBundle;
    let note;
    if (!image) note = `No image for ${platform}.`;
    else if (needsBundle)
      note = h(
        'span',
        {},
        'Its bundle is not on the gateway yet; build it once with ',
        h('code', {}, `skiff store deploy ${item.name}`),
        '.',
      );
    return h(
      'article',
      { class: 'card store-item', dataset: { item: item.name } },
      h(
        'h3',
        {},
        item.title || item.name,
        ' ',
        deployed ? h('a', { class: 'badge ready', href: `#/fn/${encodeURIComponent(item.name)}` }, 'deployed') : null,
      ),
      h('p', {}, item.description ?? ''),
      h('p', { class: 'muted small' }, h('code', {}, item.name), item.author ? ` · by ${item.author}` : '', image ? ` · ${image}` : ''),
      note ? h('p', { class: 'muted small' }, note) : null,
      h('div', { class: 'row end' }, item.repo_url ? sourceLink(item.repo_url) : null, button),
    );
  }

  function render() {
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const shown = items.filter((item) => words.every((w) => `${item.name} ${item.title} ${item.description}`.toLowerCase().includes(w)));
    replace(grid, shown.map(card));
    if (items.length) replace(status, `${items.length} functions in the store; ${shown.length} shown.`);
  }

  filter.addEventListener('input', render);
  const off = sampler.on('sample', render);
  Promise.all([listStore(), bundleImages().catch(() => new Set())])
    .then(([list, held]) => {
      items = list;
      bundles = held;
      if (!items.length) replace(status, 'The store is empty.');
      render();
    })
    .catch((err) => replace(status, h('span', { class: 'error' }, `Cannot load the store: ${err.message}`)));
  return off;
}
