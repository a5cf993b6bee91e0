// The gateway's public HTTP API (the OpenFaaS API), and nothing else. The browser adds the basic-auth
// credentials it was challenged for when it loaded /ui/.

/** A non-2xx answer, with the gateway's reason. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function call(method, path, body) {
  const init = { method, cache: 'no-store', headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  if (!res.ok) throw new ApiError(res.status, `${method} ${path}: HTTP ${res.status}${text.trim() ? ` – ${text.trim()}` : ''}`);
  return text;
}

const json = async (method, path, body) => {
  const text = await call(method, path, body);
  return text ? JSON.parse(text) : undefined;
};

const fnPath = (name) => encodeURIComponent(name);

/** `path` with `?namespace=` when a namespace is chosen (none: the gateway's default). */
const inNamespace = (path, namespace) =>
  namespace ? `${path}${path.includes('?') ? '&' : '?'}namespace=${encodeURIComponent(namespace)}` : path;

/** GET /system/functions: FunctionStatus[] of a namespace (default: the gateway's). */
export const listFunctions = (namespace) => json('GET', inNamespace('/system/functions', namespace));

/** GET /system/namespaces. */
export const listNamespaces = () => json('GET', '/system/namespaces');

/** GET /system/info. */
export const gatewayInfo = () => json('GET', '/system/info');

/** GET /system/store: the store items (store v2 `{functions}` or a bare v1 list). */
export async function listStore() {
  const doc = await json('GET', '/system/store');
  const items = Array.isArray(doc) ? doc : (doc?.functions ?? []);
  return items.map((f) => ({ ...f, images: f.images ?? (f.image ? { x86_64: f.image } : {}) }));
}

/** GET /system/bundles: images the gateway holds bundles for (built by `skiff build`). */
export async function bundleImages() {
  const list = await json('GET', '/system/bundles');
  return new Set((list ?? []).map((b) => b.image));
}

/** POST /system/functions. */
export const deployFunction = (spec) => call('POST', '/system/functions', spec);

/** POST /system/scale-function/<name>. */
export const scaleFunction = (name, replicas, namespace) =>
  call('POST', inNamespace(`/system/scale-function/${fnPath(name)}`, namespace), { serviceName: name, replicas });

/** PUT /system/functions: replaces the spec of a deployed function (its replicas roll). */
export const updateFunction = (spec) => call('PUT', '/system/functions', spec);

/** DELETE /system/functions. */
export const deleteFunction = (name, namespace) => call('DELETE', inNamespace('/system/functions', namespace), { functionName: name });

/**
 * Calls `/function/<name><path>` (or queues the call on `/async-function/…`, answered 202 with an
 * X-Call-Id) and reports what came back: status, headers, body text and how long the round trip
 * took in the browser.
 */
export async function invokeFunction({ name, namespace, path, method, body, contentType, async = false }) {
  const suffix = path && path !== '/' ? (path.startsWith('/') || path.startsWith('?') ? path : `/${path}`) : '';
  const init = { method, cache: 'no-store', headers: {} };
  if (body !== undefined && method !== 'GET' && method !== 'HEAD') {
    init.body = body;
    if (contentType) init.headers['content-type'] = contentType;
  }
  const started = performance.now();
  const target = namespace ? `${name}.${namespace}` : name;
  const res = await fetch(`/${async ? 'async-function' : 'function'}/${fnPath(target)}${suffix}`, init);
  const text = await res.text();
  return {
    status: res.status,
    statusText: res.statusText,
    headers: [...res.headers.entries()],
    body: text,
    ms: performance.now() - started,
  };
}

/**
 * GET /system/logs (NDJSON). Calls `onLine` for each line; with `follow` it keeps reading until
 * `signal` aborts. Resolves when the stream ends (or is aborted).
 */
export async function readLogs({ name, namespace, tail, follow, signal, onLine }) {
  const query = new URLSearchParams({ name, follow: String(follow) });
  if (namespace) query.set('namespace', namespace);
  if (tail) query.set('tail', String(tail));
  const res = await fetch(`/system/logs?${query}`, { signal, cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, `logs of ${name}: HTTP ${res.status} – ${(await res.text()).trim()}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const lines = (rest + value).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(JSON.parse(line));
    }
  } catch (err) {
    if (err.name !== 'AbortError') throw err;
  }
}

/** GET /async-function/status/<call-id>[?function=]: an async call's state and result. */
export const asyncStatus = (callId, fn) =>
  json('GET', `/async-function/status/${encodeURIComponent(callId)}${fn ? `?function=${encodeURIComponent(fn)}` : ''}`);

/** DELETE /async-function/<call-id>: cancels a call that has not started. */
export const cancelCall = (callId, fn) =>
  call('DELETE', `/async-function/${encodeURIComponent(callId)}${fn ? `?function=${encodeURIComponent(fn)}` : ''}`);

/** GET /system/async/dead-letters: async calls given up, oldest first. */
export const listDeadLetters = () => json('GET', '/system/async/dead-letters?limit=1000');

/** GET /system/async/dead-letters/<id>. */
export const showDeadLetter = (id) => json('GET', `/system/async/dead-letters/${Number(id)}`);

/** POST /system/async/dead-letters/<id>/replay: queued again under the same call id. */
export const replayDeadLetter = (id) => json('POST', `/system/async/dead-letters/${Number(id)}/replay`, {});

/** DELETE /system/async/dead-letters/<id>. */
export const dropDeadLetter = (id) => call('DELETE', `/system/async/dead-letters/${Number(id)}`);

/** GET /system/secrets: names only (values never leave the provider). */
export const listSecrets = (namespace) => json('GET', inNamespace('/system/secrets', namespace));

/** POST (create) or PUT (update) /system/secrets. */
export const saveSecret = ({ name, value, namespace, update }) =>
  call(update ? 'PUT' : 'POST', '/system/secrets', { name, value, ...(namespace ? { namespace } : {}) });

/** DELETE /system/secrets. */
export const deleteSecret = (name, namespace) => call('DELETE', inNamespace('/system/secrets', namespace), { name });

/** POST /system/namespace/ (faasd). */
export const createNamespace = (name) => call('POST', '/system/namespace/', { name, labels: { openfaas: '1' } });

/** DELETE /system/namespace/<name>. */
export const deleteNamespace = (name) => call('DELETE', `/system/namespace/${encodeURIComponent(name)}`);

/** GET /system/metrics/history: the server-side history of one function (or of the platform without `name`). */
export function metricsHistory({ range, name, namespace }) {
  const query = new URLSearchParams({ range });
  if (name) query.set('function', name);
  if (name && namespace) query.set('namespace', namespace);
  return json('GET', `/system/metrics/history?${query}`);
}
