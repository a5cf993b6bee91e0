// "#/dashboard": the whole platform's dashboards (every function of every namespace added up).
import { h, replace } from '../dom.js';
import { dashboard } from './dashboard.js';

/** Renders the platform dashboard into `root`; returns the cleanup. */
export function dashboardView(root) {
  const holder = h('div', { id: 'platform-dashboard' });
  replace(
    root,
    h('div', { class: 'heading' }, h('h1', {}, 'Dashboard'), h('span', { class: 'muted' }, 'every function of the platform')),
    holder,
  );
  return dashboard(holder);
}
