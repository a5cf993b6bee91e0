// The scaling labels of one function, editable: written back with PUT /system/functions (the
// gateway validates them and answers 400 naming a bad one). Empty fields remove the label.
import { h, notify } from '../dom.js';
import { updateFunction } from '../api.js';

const P = 'com.openfaas.scale.';
/** [label suffix, field label, input attributes]. */
const FIELDS = [
  ['min', 'Min replicas', { type: 'number', min: 0, step: 1 }],
  ['max', 'Max replicas', { type: 'number', min: 1, step: 1 }],
  ['type', 'Type', null],
  ['target', 'Target per replica', { type: 'text', placeholder: 'e.g. 50, 64Mi, 70%' }],
  ['target-proportion', 'Target proportion', { type: 'text', placeholder: '0.9' }],
  ['zero', 'Scale to zero', null],
  ['zero-duration', 'Idle before zero', { type: 'text', placeholder: '15m' }],
  ['down.window', 'Scale-down window', { type: 'text', placeholder: '30s' }],
];

/** The deployment a FunctionStatus describes (what PUT /system/functions takes). */
function deploymentOf(fn, labels) {
  const spec = { service: fn.name, image: fn.image, namespace: fn.namespace, labels };
  for (const key of ['envProcess', 'envVars', 'annotations', 'secrets', 'constraints', 'limits', 'requests', 'readOnlyRootFilesystem'])
    if (fn[key] !== undefined && fn[key] !== null) spec[key] = fn[key];
  return spec;
}

/** The panel; `current()` gives the function's latest FunctionStatus. */
export function scalingPanel(current, refresh) {
  const inputs = {};
  const body = h('div', { class: 'fields' });
  for (const [suffix, label, attrs] of FIELDS) {
    const id = `scaling-${suffix.replace('.', '-')}`;
    let input;
    if (suffix === 'type')
      input = h(
        'select',
        { id },
        ['', 'rps', 'capacity', 'cpu', 'memory'].map((t) => h('option', { value: t }, t || '(default rps)')),
      );
    else if (suffix === 'zero') input = h('input', { id, type: 'checkbox' });
    else input = h('input', { id, ...attrs });
    inputs[suffix] = input;
    body.append(h('label', { class: 'field', for: id }, h('span', {}, label), input));
  }
  const fill = () => {
    const labels = current()?.labels ?? {};
    for (const [suffix] of FIELDS) {
      const value = labels[P + suffix];
      if (suffix === 'zero') inputs.zero.checked = value === 'true';
      else inputs[suffix].value = value ?? '';
    }
  };
  const save = async (event) => {
    event.preventDefault();
    const fn = current();
    if (!fn) return;
    const labels = Object.fromEntries(Object.entries(fn.labels ?? {}).filter(([k]) => !k.startsWith(P)));
    for (const [suffix] of FIELDS) {
      if (suffix === 'zero') {
        if (inputs.zero.checked) labels[`${P}zero`] = 'true';
      } else if (inputs[suffix].value.trim()) labels[P + suffix] = inputs[suffix].value.trim();
    }
    try {
      await updateFunction(deploymentOf(fn, labels));
      notify(`Saved the scaling labels of ${fn.name}.`);
      await refresh();
    } catch (err) {
      notify(err.message, 'error');
    }
  };
  const details = h(
    'details',
    { class: 'card', id: 'scaling', ontoggle: () => details.open && fill() },
    h('summary', {}, h('strong', {}, 'Scaling labels')),
    h(
      'form',
      { onsubmit: save },
      body,
      h('div', { class: 'row end' }, h('button', { type: 'submit', class: 'primary', id: 'scaling-save' }, 'Save')),
    ),
  );
  return details;
}
