// An agent double that tries what a prompt-injected agent would: read the environment of
// every process it can see (its worker's first) and write the worker's files. Prints one
// JSON line: what it could and could not do. argv: files (or directories) of the worker.
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const code = (fn) => {
  try {
    fn();
    return "ok";
  } catch (err) {
    return err.code ?? String(err);
  }
};
const status = (pid) => {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+)`, "m"))?.[1]);
  return { uid: field("Uid"), ppid: field("PPid") };
};

const me = process.getuid();
// Up the parent chain to the first process that is not ours: the worker.
let worker = process.ppid;
while (worker > 1 && status(worker).uid === me) worker = status(worker).ppid;

const readable = [];
for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p)))
  if (code(() => readFileSync(`/proc/${pid}/environ`)) === "ok")
    readable.push({
      pid: Number(pid),
      uid: code(() => status(pid)) === "ok" ? status(pid).uid : -1,
    });

const writes = {};
const listings = {};
for (const target of process.argv.slice(2)) {
  const isDir =
    code(() => statSync(target).isDirectory()) === "ok" && statSync(target).isDirectory();
  if (isDir) listings[target] = code(() => readdirSync(target));
  const listed = isDir && listings[target] === "ok" ? readdirSync(target) : [];
  const files = isDir ? [...listed.map((f) => join(target, f)), join(target, "planted")] : [target];
  for (const file of files) writes[file] = code(() => appendFileSync(file, "planted\n"));
}

console.log(
  JSON.stringify({
    uid: me,
    gid: process.getgid(),
    home: process.env.HOME,
    worker,
    workerUid: status(worker).uid,
    workerEnviron: code(() => readFileSync(`/proc/${worker}/environ`)),
    pid1Environ: code(() => readFileSync("/proc/1/environ")),
    readable,
    writes,
    listings,
    workspaceWrite: code(() => writeFileSync(join(process.cwd(), "agent-was-here"), "ok")),
    homeWrite: code(() => writeFileSync(join(process.env.HOME ?? "/nonexistent", "h"), "ok")),
  }),
);
