'use strict';
// CPU per request of the processes a benchmark case involves (scripts/bench.js).
const { ownCpuMs, treeCpuMs } = require('../lib/proc-stats');

/** The provider alone; every other process with its children. */
const cpuOf = (label, pid) => (label === 'provider' ? ownCpuMs(pid) : treeCpuMs(pid));

/** CPU time of a few process trees (and of this load generator) over the measured part of a case. */
class CpuMeter {
  constructor(pids) {
    this.pids = Object.fromEntries(Object.entries(pids).filter(([, pid]) => pid));
  }
  start() {
    this.before = Object.fromEntries(Object.entries(this.pids).map(([k, pid]) => [k, cpuOf(k, pid)]));
    this.self = process.cpuUsage();
  }
  stop() {
    this.used = Object.fromEntries(Object.entries(this.pids).map(([k, pid]) => [k, cpuOf(k, pid) - this.before[k]]));
    const self = process.cpuUsage(this.self);
    this.used['load generator'] = (self.user + self.system) / 1000;
  }
  /** Microseconds of CPU per completed request, by process. */
  perRequestUs(requests) {
    if (!this.used || !requests) return {};
    return Object.fromEntries(Object.entries(this.used).map(([k, ms]) => [k, (ms * 1000) / requests]));
  }
}

module.exports = { CpuMeter };
