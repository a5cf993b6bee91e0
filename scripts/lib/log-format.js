'use strict';
// Turns the services' JSON log lines (pino) into short readable lines, prefixed with the service name.

const COLOURS = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90, bold: 1 };
const SERVICE_COLOURS = ['cyan', 'magenta', 'blue', 'green', 'yellow'];
const LEVEL_COLOURS = { trace: 'grey', debug: 'grey', info: 'green', warn: 'yellow', error: 'red', fatal: 'red' };
const PINO_LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** Fields every line carries that add nothing for a human reading one service's output. */
const HIDDEN = new Set(['level', 'time', 'msg', 'message', 'service', 'pid', 'hostname', 'v', 'context', 'err', 'stack']);
const MAX_FIELD = 160;

/** True when colour should be used on `stream`. */
function useColour(stream) {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

function paint(enabled, colour, text) {
  return enabled ? `\u001b[${COLOURS[colour]}m${text}\u001b[0m` : text;
}

function compact(value) {
  const text = typeof value === 'string' ? (/[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value) : JSON.stringify(value);
  return text.length > MAX_FIELD ? `${text.slice(0, MAX_FIELD - 1)}…` : text;
}

/**
 * One output line for one input line: JSON log records become `HH:MM:SS level [context] msg k=v …`
 * (error stacks on the following lines), anything else is passed through.
 */
function formatLine(line, { colour = false } = {}) {
  if (!line.startsWith('{')) return line;
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (!record || typeof record !== 'object') return line;
  const level = typeof record.level === 'number' ? (PINO_LEVELS[record.level] ?? String(record.level)) : String(record.level ?? 'info');
  const time =
    typeof record.time === 'string'
      ? record.time.slice(11, 23)
      : typeof record.time === 'number'
        ? new Date(record.time).toISOString().slice(11, 23)
        : '';
  const parts = [];
  if (time) parts.push(paint(colour, 'grey', time));
  parts.push(paint(colour, LEVEL_COLOURS[level] ?? 'bold', level.padEnd(5)));
  let msg = record.msg ?? record.message;
  // An object logged through Nest's logger leaves the text in `context`.
  if (msg === undefined && typeof record.context === 'string') msg = record.context;
  else if (record.context) parts.push(paint(colour, 'grey', `[${record.context}]`));
  if (msg !== undefined) parts.push(String(msg));
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    parts.push(`${paint(colour, 'grey', `${key}=`)}${compact(value)}`);
  }
  let text = parts.join(' ');
  const err = record.err;
  if (err && typeof err === 'object') {
    const detail = err.stack || `${err.type ?? 'Error'}: ${err.message}`;
    text += `\n${paint(colour, 'red', indent(detail))}`;
  } else if (typeof record.stack === 'string') {
    text += `\n${paint(colour, 'red', indent(record.stack))}`;
  }
  return text;
}

function indent(text) {
  return String(text)
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/**
 * Writes everything from `readable` to `out`, line by line, each line prefixed with `[name] `
 * (a stable colour per service when `colour`), JSON records formatted.
 */
function pipePrefixed(readable, out, name, { colour = false, index = 0 } = {}) {
  const prefix = paint(colour, SERVICE_COLOURS[index % SERVICE_COLOURS.length], `[${name}]`);
  let pending = '';
  const emit = (line) => {
    for (const piece of formatLine(line, { colour }).split('\n')) out.write(`${prefix} ${piece}\n`);
  };
  readable.setEncoding('utf8');
  readable.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      emit(pending.slice(0, nl).replace(/\r$/, ''));
      pending = pending.slice(nl + 1);
    }
  });
  readable.on('end', () => {
    if (pending) emit(pending);
    pending = '';
  });
}

module.exports = { formatLine, pipePrefixed, useColour, paint };
