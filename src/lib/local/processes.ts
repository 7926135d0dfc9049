import { readdirSync, readFileSync } from "node:fs";

interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/**
 * Process groups of every descendant of `rootPid` other than the root's own group (Linux
 * /proc). Commands run in their own process groups, so stopping the local stack must find
 * them before their parent exits and they are re-parented away.
 */
export function descendantProcessGroups(rootPid: number): number[] {
  let all: ProcStat[];
  try {
    all = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .flatMap((name) => readStat(Number(name)) ?? []);
  } catch {
    return [];
  }
  const children = new Map<number, ProcStat[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const rootGroup = readStat(rootPid)?.pgid;
  const groups = new Set<number>();
  const queue = [rootPid];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      if (child.pgid !== rootGroup && child.pgid > 1) groups.add(child.pgid);
      queue.push(child.pid);
    }
  }
  return [...groups];
}

export function killGroups(groups: readonly number[], signal: NodeJS.Signals): void {
  for (const group of groups) {
    try {
      process.kill(-group, signal);
    } catch {
      // Gone already.
    }
  }
}
