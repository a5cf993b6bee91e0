// The portal: a hash router over its views, one sampler feeding them live data.
import { h, replace } from './dom.js';
import { gatewayInfo, listNamespaces } from './api.js';
import { Sampler } from './sampler.js';
import { functionsView } from './views/functions.js';
import { functionView } from './views/function.js';
import { storeView } from './views/store.js';
import { asyncView } from './views/async.js';
import { adminView } from './views/admin.js';
import { dashboardView } from './views/dashboard-page.js';

const sampler = new Sampler();
const view = document.getElementById('view');
const gatewayStatus = document.getElementById('gateway-status');
const namespaceSelect = document.getElementById('namespace');
/** Where the chosen namespace survives a reload of the tab. */
const NAMESPACE_KEY = 'skiff.namespace';
let info;
let cleanup = () => {};

/** "#/", "#/store", "#/fn/<name>", "#/dashboard" (each may end in `?range=…`) → the view to show. */
function route() {
  cleanup();
  const hash = location.hash.replace(/^#/, '').split('?')[0] || '/';
  const fn = /^\/fn\/([^/]+)$/.exec(hash);
  let current = 'functions';
  if (fn) cleanup = functionView(view, { sampler, name: decodeURIComponent(fn[1]) });
  else if (hash === '/store') {
    current = 'store';
    cleanup = storeView(view, { sampler, info: () => info });
  } else if (hash === '/async') {
    current = 'async';
    cleanup = asyncView(view);
  } else if (hash === '/dashboard') {
    current = 'dashboard';
    cleanup = dashboardView(view);
  } else if (hash === '/admin') {
    current = 'admin';
    cleanup = adminView(view, { sampler });
  } else cleanup = functionsView(view, { sampler });
  for (const link of document.querySelectorAll('[data-nav]')) link.classList.toggle('active', link.dataset.nav === current);
  window.scrollTo(0, 0);
}

function showGatewayStatus() {
  if (sampler.error) replace(gatewayStatus, h('span', { class: 'error' }, 'gateway unreachable'));
  else if (info)
    replace(
      gatewayStatus,
      `gateway ${info.version?.release ?? ''} · ${info.provider?.provider ?? info.provider?.name ?? ''} · ${info.arch ?? ''}`,
    );
  else replace(gatewayStatus, 'connected');
}

/** Fills the namespace choice; shown only when there is more than the default one. */
async function loadNamespaces() {
  let names;
  try {
    names = await listNamespaces();
  } catch {
    return;
  }
  const current = sampler.namespace ?? '';
  if (current && !names.includes(current)) names.push(current);
  replace(
    namespaceSelect,
    h('option', { value: '' }, 'default'),
    names.map((n) => h('option', { value: n }, n)),
  );
  namespaceSelect.value = current;
  namespaceSelect.parentElement.hidden = names.length < 2 && !current;
}

namespaceSelect.addEventListener('change', () => {
  sessionStorage.setItem(NAMESPACE_KEY, namespaceSelect.value);
  sampler.setNamespace(namespaceSelect.value);
  // A function page belongs to the namespace it was opened in.
  if (location.hash.startsWith('#/fn/')) location.hash = '#/';
  else route();
});
namespaceSelect.addEventListener('focus', loadNamespaces);

sampler.setNamespace(sessionStorage.getItem(NAMESPACE_KEY) || undefined);
sampler.on('sample', showGatewayStatus);
sampler.on('error', showGatewayStatus);
window.addEventListener('hashchange', route);
gatewayInfo()
  .then((i) => (info = i))
  .catch(() => undefined)
  .finally(showGatewayStatus);
void loadNamespaces();
route();
sampler.start();
