import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

/**
 * Runs `$@` with stdin from /dev/null beside a watcher that kills the whole process group
 * once our end of the watcher's stdin pipe closes. (A background list's stdin is /dev/null,
 * so the watcher reads the pipe through fd 3.)
 */
const WATCHED = 'exec 3<&0; (cat <&3 >/dev/null; kill -s KILL 0) & exec "$@" </dev/null 3<&-';

/**
 * Spawns `file` with `args` (separate argv elements, never a shell string) in a process
 * group of its own, so it can be killed as a group, and ties the group's life to ours: it
 * is killed when the program exits (nothing it left in the background lives on) and when
 * this process dies (SIGKILL, crash: the kernel closes the pipe), so a command or agent
 * never outlives the runner that would record its result, nor overlaps its next run.
 * With `uid`/`gid` the group runs as that user (setgid, setuid before exec; the process
 * needs root or CAP_SETUID/CAP_SETGID): throws EPERM when it may not, never runs as us.
 */
export function spawnInGroup(
  file: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; uid?: number; gid?: number },
): ChildProcessWithoutNullStreams {
  const child = spawn("/bin/sh", ["-c", WATCHED, "ampa-watch", file, ...args], {
    cwd: opts.cwd,
    env: opts.env,
    ...(opts.uid === undefined ? {} : { uid: opts.uid }),
    ...(opts.gid === undefined ? {} : { gid: opts.gid }),
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.on("error", () => {}); // EPIPE once the group is gone.
  child.on("exit", () => child.stdin.end());
  return child;
}

/** Sends `signal` to the child's whole process group; a no-op once it is gone. */
export function killGroup(child: { pid?: number | undefined }, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}
