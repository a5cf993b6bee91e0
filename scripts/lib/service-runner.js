'use strict';
// Runs one built platform service (dist/apps/<name>/src/main.js) as a child process: prefixed,
// readable logs, "ready" when it logs `<name> listening`, bounded stop.
const { spawn } = require('node:child_process');
const { readFileSync, readdirSync, readlinkSync } = require('node:fs');
const { PassThrough } = require('node:stream');
const { distEntry } = require('./services');
const { pipePrefixed } = require('./log-format');

class ServiceRunner {
  /**
   * @param {string} name service (app) name
   * @param {object} options
   * @param {Record<string,string>} [options.env] the service's whole environment (see serviceEnv)
   * @param {NodeJS.WritableStream|null} [options.out] where prefixed logs go (null: keep only the tail)
   * @param {boolean} [options.colour]
   * @param {number} [options.index] picks the prefix colour
   * @param {string} [options.label] prefix shown in logs (default: name)
   */
  constructor(name, { env = {}, out = process.stdout, colour = false, index = 0, label = name } = {}) {
    this.name = name;
    this.label = label;
    this.env = env;
    this.out = out;
    this.colour = colour;
    this.index = index;
    this.tail = [];
    this.child = undefined;
    this.address = undefined;
    this.stopping = false;
  }

  /** Spawns the service in its own process group (the terminal's Ctrl-C goes to the script only). */
  start() {
    const child = spawn(process.execPath, [distEntry(this.name)], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    let readyResolve;
    this.readyPromise = new Promise((r) => (readyResolve = r));
    this.exited.then(() => readyResolve(undefined));

    for (const stream of [child.stdout, child.stderr]) {
      const tap = new PassThrough();
      const display = new PassThrough();
      stream.pipe(tap);
      stream.pipe(display);
      let pending = '';
      tap.setEncoding('utf8');
      tap.on('data', (chunk) => {
        pending += chunk;
        let nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          this.remember(line);
          const address = listeningAddress(line, this.name);
          if (address && !this.address) {
            this.address = address;
            readyResolve(address);
          }
        }
      });
      if (this.out) pipePrefixed(display, this.out, this.label, { colour: this.colour, index: this.index });
      else display.resume();
    }
    return this;
  }

  remember(line) {
    this.tail.push(line);
    if (this.tail.length > 200) this.tail.splice(0, this.tail.length - 200);
  }

  get pid() {
    return this.child?.pid;
  }

  get running() {
    return Boolean(this.child) && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves with `{ host, port }` once the service is up: it logged `<name> listening`, or (when its
   * log level hides that line) it listens on a TCP port whose /healthz answers 200. Undefined if it exited.
   */
  async ready(timeoutMs = 60_000) {
    if (this.address) return this.address;
    let timer;
    let poller;
    const timeout = new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${this.name} did not start listening within ${timeoutMs} ms`)), timeoutMs);
    });
    const probed = new Promise((resolve) => {
      const probe = async () => {
        if (this.address) return resolve(this.address);
        if (!this.running) return resolve(undefined);
        for (const port of listeningPorts(this.pid)) {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
          if (res?.status === 200 && !this.address) {
            this.address = { host: '127.0.0.1', port, service: this.name };
            return resolve(this.address);
          }
        }
        poller = setTimeout(probe, 250);
      };
      poller = setTimeout(probe, 250);
    });
    try {
      return await Promise.race([this.readyPromise, probed, timeout]);
    } finally {
      clearTimeout(timer);
      clearTimeout(poller);
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code/signal. */
  async stop(graceMs = 20_000) {
    this.stopping = true;
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) {
        this.out?.write(`[${this.label}] did not stop within ${graceMs} ms: SIGKILL\n`);
        this.child.kill('SIGKILL');
      }
    }, graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  /** Kills without waiting (last resort when the parent exits). */
  killNow() {
    if (this.running) this.child.kill('SIGKILL');
  }
}

/** `{ host, port }` from a JSON log record `<name> listening` with host/port fields. */
function listeningAddress(line, name) {
  if (!line.startsWith('{') || !line.includes('listening')) return undefined;
  try {
    const record = JSON.parse(line);
    // Nest's logger convention puts a string after an object message into `context`.
    const text = typeof record.msg === 'string' ? record.msg : record.context;
    if (typeof text === 'string' && text.endsWith('listening') && record.port) {
      return { host: record.host ?? '127.0.0.1', port: Number(record.port), service: record.service ?? name };
    }
  } catch {
    // not JSON
  }
  return undefined;
}

/** TCP ports process `pid` listens on (Linux /proc; empty elsewhere). */
function listeningPorts(pid) {
  try {
    const inodes = new Set();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
      } catch {
        continue; // closed meanwhile
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1]);
    }
    const ports = new Set();
    for (const table of ['tcp', 'tcp6']) {
      let text = '';
      try {
        text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        // local_address is HEX_IP:HEX_PORT, st 0A = LISTEN, inode is column 10.
        if (cols.length > 9 && cols[3] === '0A' && inodes.has(cols[9])) ports.add(parseInt(cols[1].split(':')[1], 16));
      }
    }
    return [...ports];
  } catch {
    return [];
  }
}

/** Base URL for a listening address (a wildcard bind is reached on loopback). */
function httpUrl(address) {
  const host = ['0.0.0.0', '::', ''].includes(address.host) ? '127.0.0.1' : address.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

module.exports = { ServiceRunner, listeningAddress, listeningPorts, httpUrl };
