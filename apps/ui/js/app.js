// The portal: a hash router over three views, one sampler feeding them live data.
import { h, replace } from './dom.js';
import { gatewayInfo } from './api.js';
import { Sampler } from './sampler.js';
import { functionsView } from './views/functions.js';
import { functionView } from './views/function.js';
import { storeView } from './views/store.js';

const sampler = new Sampler();
const view = document.getElementById('view');
const gatewayStatus = document.getElementById('gateway-status');
let info;
let cleanup = () => {};

/** "#/", "#/store", "#/fn/<name>" → the view to show. */
function route() {
  cleanup();
  const hash = location.hash.replace(/^#/, '') || '/';
  const fn = /^\/fn\/([^/]+)$/.exec(hash);
  let current = 'functions';
  if (fn) cleanup = functionView(view, { sampler, name: decodeURIComponent(fn[1]) });
  else if (hash === '/store') {
    current = 'store';
    cleanup = storeView(view, { sampler, info: () => info });
  } else cleanup = functionsView(view, { sampler });
  for (const link of document.querySelectorAll('[data-nav]')) link.classList.toggle('active', link.dataset.nav === current);
  window.scrollTo(0, 0);
}

function showGatewayStatus() {
  if (sampler.error) replace(gatewayStatus, h('span', { class: 'error' }, 'gateway unreachable'));
  else if (info) replace(gatewayStatus, `gateway ${info.version?.release ?? ''} · ${info.provider?.provider ?? info.provider?.name ?? ''} · ${info.arch ?? ''}`);
  else replace(gatewayStatus, 'connected');
}

sampler.on('sample', showGatewayStatus);
sampler.on('error', showGatewayStatus);
window.addEventListener('hashchange', route);
gatewayInfo()
  .then((i) => (info = i))
  .catch(() => undefined)
  .finally(showGatewayStatus);
route();
sampler.start();
