import { readdirSync, readFileSync } from 'node:fs';

/** One process as `/proc` shows it. */
export interface ProcessEntry {
  pid: number;
  parentPid: number;
  /** Executable name, at most 15 characters as the kernel stores it. */
  command: string;
}

function readEntry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command sits in parentheses and may contain spaces, so fields are read after the last ')'.
    const close = stat.lastIndexOf(')');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    return { pid, parentPid: Number(fields[1]), command };
  } catch {
    return undefined;
  }
}

/** Lists every process on the machine (Linux `/proc`). */
export function listProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readEntry(Number(name));
    if (entry) entries.push(entry);
  }
  return entries;
}

/** Lists the descendants of `rootPid` (children, their children and so on). */
export function listDescendants(rootPid: number): ProcessEntry[] {
  const all = listProcesses();
  const found: ProcessEntry[] = [];
  let parents = new Set([rootPid]);
  while (parents.size > 0) {
    const children = all.filter((entry) => parents.has(entry.parentPid));
    found.push(...children);
    parents = new Set(children.map((entry) => entry.pid));
  }
  return found;
}

/** Tells whether a process with this pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
