// A form to deploy any function (name, image, process, environment, labels, annotations), as
// `faas-cli deploy` or the OpenFaaS portal's "custom" tab would.
import { h, notify } from '../dom.js';
import { deployFunction } from '../api.js';

/** Function names are DNS-1123 labels (the gateway checks them too). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** "KEY=value" lines (blank lines skipped) → a map; throws naming the first bad line. */
export function keyValueLines(text, what) {
  const map = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${what}, line ${i + 1}: expected KEY=value, got "${line}"`);
    map[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  return map;
}

/** The custom deploy form; deploys into the sampler's namespace. */
export function customDeployForm(sampler) {
  const field = (id, label, input) => h('label', { class: 'field', for: id }, h('span', {}, label), input);
  const name = h('input', { id: 'custom-name', type: 'text', required: true, placeholder: 'my-function', autocomplete: 'off' });
  const image = h('input', {
    id: 'custom-image',
    type: 'text',
    required: true,
    placeholder: 'ghcr.io/me/fn:1.0, or any name with a process',
  });
  const process = h('input', { id: 'custom-process', type: 'text', placeholder: 'e.g. cat (optional)' });
  const env = h('textarea', { id: 'custom-env', rows: 3, placeholder: 'KEY=value, one a line' });
  const labels = h('textarea', { id: 'custom-labels', rows: 3, placeholder: 'key=value, one a line' });
  const annotations = h('textarea', { id: 'custom-annotations', rows: 3, placeholder: 'key=value, one a line' });
  const problem = h('p', { class: 'error', id: 'custom-problem', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'custom-deploy' }, 'Deploy');

  /** The deploy request, or undefined with the reason shown. */
  function spec() {
    problem.textContent = '';
    try {
      const service = name.value.trim();
      if (!DNS_LABEL.test(service))
        throw new Error('Name: lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit.');
      if (!image.value.trim()) throw new Error('Image: required.');
      return {
        service,
        image: image.value.trim(),
        namespace: sampler.namespace,
        envProcess: process.value.trim() || undefined,
        envVars: keyValueLines(env.value, 'Environment'),
        labels: keyValueLines(labels.value, 'Labels'),
        annotations: keyValueLines(annotations.value, 'Annotations'),
      };
    } catch (err) {
      problem.textContent = err.message;
      return undefined;
    }
  }

  async function deploy(event) {
    event.preventDefault();
    const request = spec();
    if (!request) return;
    submit.disabled = true;
    try {
      await deployFunction(request);
      notify(`Deployed ${request.service}.`);
      await sampler.refresh();
      location.hash = `#/fn/${encodeURIComponent(request.service)}`;
    } catch (err) {
      problem.textContent = err.message;
    } finally {
      submit.disabled = false;
    }
  }

  return h(
    'details',
    { class: 'card custom-deploy', id: 'custom' },
    h('summary', {}, h('strong', {}, 'Deploy a custom function')),
    h(
      'form',
      { onsubmit: deploy, novalidate: true },
      h(
        'div',
        { class: 'fields' },
        field('custom-name', 'Name', name),
        field('custom-image', 'Image', image),
        field('custom-process', 'Process', process),
      ),
      h(
        'div',
        { class: 'fields' },
        field('custom-env', 'Environment', env),
        field('custom-labels', 'Labels', labels),
        field('custom-annotations', 'Annotations', annotations),
      ),
      problem,
      h('div', { class: 'row end' }, submit),
    ),
  );
}
