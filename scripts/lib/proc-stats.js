'use strict';
// What /proc says about a process, for the benchmarks: CPU time used so far (alone, or with its
// children), resident memory, and which process listens on a port. Linux only; a process that is
// gone or unreadable counts as 0 / undefined.
const { readFileSync, readdirSync, readlinkSync } = require('node:fs');

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

/** CPU ms used so far by a process alone (its replicas are the provider's children: counted apart). */
function ownCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU ms used so far by a process and its children (reaped ones included), from /proc. */
function treeCpuMs(pid, seen = new Set()) {
  if (!pid || seen.has(pid)) return 0;
  seen.add(pid);
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14-17 (1-based), i.e. 11-14 after the comm.
    total += ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) {
        total += treeCpuMs(Number(child), seen);
      }
    }
  } catch {
    // gone or not readable
  }
  return total;
}

/** CPU seconds (user + system) a process alone has used so far; undefined once it is gone. */
function cpuSeconds(pid) {
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  try {
    readFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  return ownCpuMs(pid) / 1000;
}

/** pid of the process listening on a local TCP port (Linux /proc), or undefined. */
function pidListeningOn(port) {
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1].split(':').pop(), 16) === port) inodes.add(cols[9]);
      }
    } catch {
      // no such table
    }
  }
  if (!inodes.size) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds = [];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // not ours to read, or gone
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1])) return Number(entry);
    }
  }
  return undefined;
}

/** Resident memory of a process, with its children when `tree` (a replica is a sandbox: bubblewrap, its init, the watchdog, the function). */
function rssKb(pid, tree = false, seen = new Set()) {
  if (!pid || seen.has(pid)) return 0;
  seen.add(pid);
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    let total = match ? Number(match[1]) : 0;
    if (!tree) return total;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean))
        total += rssKb(Number(child), true, seen) ?? 0;
    }
    return total;
  } catch {
    return undefined;
  }
}

module.exports = { cpuSeconds, ownCpuMs, treeCpuMs, rssKb, pidListeningOn };
