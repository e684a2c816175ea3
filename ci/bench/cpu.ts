// CPU time of the test bed's processes (API server, etcd, controllers, KWOK, agents), read from
// /proc, so a case can show where the machine's CPUs went while the hook ran.
import { existsSync, readFileSync } from 'node:fs';
import { fieldsAfterName } from '../lib/proc-stat.ts';
import { recordedPids } from '../testbed/supervisor.ts';

/** Linux reports utime/stime in USER_HZ ticks, 100 per second. */
const ticksPerSecond = 100;

/** Name and user + system CPU seconds from the text of /proc/<pid>/stat. Pure. */
export function parseProcStat(text: string): { name: string; cpuSeconds: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = fieldsAfterName(text);
  // utime is field 14 and stime 15 (1-based, proc(5)).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { name: text.slice(open + 1, close), cpuSeconds: (utime + stime) / ticksPerSecond };
}

/** CPU seconds so far per process name of the test bed (same names add up). */
export function bedCpuSeconds(stateDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of recordedPids(stateDir)) {
    const file = `/proc/${pid}/stat`;
    if (!existsSync(file)) continue;
    let stat: ReturnType<typeof parseProcStat>;
    try {
      stat = parseProcStat(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (stat) out[stat.name] = (out[stat.name] ?? 0) + stat.cpuSeconds;
  }
  return out;
}

/** What each process used between two readings. Pure. */
export function cpuSince(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([name, s]) => [name, Math.max(0, s - (before[name] ?? 0))]),
  );
}
