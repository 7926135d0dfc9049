/**
 * The exit codes of `ampa`, one meaning each. `main` maps every error to one of them;
 * `run-once` exits with the command's own exit code once the command has run.
 */
export const EXIT = {
  ok: 0,
  /** The run, post or redrive failed; the store is unreachable; anything unexpected. */
  failure: 1,
  /** Bad arguments or input, an unknown or duplicate id: nothing was written. */
  usage: 2,
  /** A Discord webhook is needed and none is configured. */
  notConfigured: 3,
  /** A run holds the command's lease, or another ampa command holds the local store. */
  busy: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table `ampa --help` ends with (and docs/cli.md repeats), within 80 columns. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  failed: the run, post or redrive failed, or the store is unreachable
  2  usage: bad arguments or input, unknown or duplicate id; nothing written
  3  not configured: no Discord webhook
  4  busy: a run holds the command's lease, or the local store is locked
  run-once exits with the command's own exit code once it has run.

With --json, a verb prints one JSON result on stdout; an error is one JSON
line {"error":{"exitCode","code","message"}} on stderr instead of text.`;
