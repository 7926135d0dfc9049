import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const TOKEN = "AbC_dEf-123ghiJKLmnoPQRstuVWXyz0123456789abcdefghijklmnopqrstuvwxyz_-";
const run = promisify(execFile);

/** Runs the log worker with `format`, its stdout a pseudo-terminal (`script`) or a pipe. */
async function workerOutput(format: string, terminal: boolean): Promise<string> {
  const value = `s3cr3t-${process.pid}-${Date.now()}`;
  const url = `https://discord.com/api/webhooks/42/${TOKEN}`;
  const args = ["--import", "tsx", "test/support/log-worker.ts", value, url, format];
  const { stdout } = terminal
    ? await run("script", ["-qec", [process.execPath, ...args].join(" "), "/dev/null"], {
        timeout: 20_000,
      })
    : await run(process.execPath, args, { timeout: 20_000 });
  expect(stdout).not.toContain(value);
  expect(stdout).not.toContain(TOKEN);
  return stdout;
}

describe("createLogger", () => {
  it("writes lines to stdout with registered secrets and webhook tokens redacted", async () => {
    const value = `s3cr3t-${process.pid}-${Date.now()}`;
    const url = `https://discord.com/api/webhooks/42/${TOKEN}`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "test/support/log-worker.ts", value, url],
      { timeout: 20_000 },
    );
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(stdout).not.toContain(value);
    expect(stdout).not.toContain(TOKEN);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ level: "info", msg: "starting with ****" });
    expect(JSON.parse(lines[1] ?? "")).toMatchObject({
      level: "error",
      err: { message: "could not reach https://discord.com/api/webhooks/42/****" },
    });
  });

  it("writes readable, coloured lines to a terminal, still redacted", async () => {
    const stdout = await workerOutput("auto", true);
    // script(1) turns the terminal's \n into \r\n.
    const lines = stdout.replaceAll("\r", "").split("\n");
    const [info = "", error = "", frame = ""] = lines;
    expect(info.startsWith("\u001b[2m")).toBe(true); // the time, dimmed
    expect(info).toContain("\u001b[32mINFO \u001b[0m starting with ****  \u001b[2mconfig=");
    expect(info).toContain('\u001b[0m{"nested":["****"]}');
    expect(error).toContain("\u001b[31mERROR\u001b[0m delivery failed");
    expect(error).toContain('"could not reach https://discord.com/api/webhooks/42/****"');
    expect(frame).toMatch(/^ {4}\S+at /);
  });

  it("writes JSON when piped, and the configured format (AMPA_LOG_FORMAT) either way", async () => {
    const piped = await workerOutput("auto", false);
    expect(JSON.parse(piped.split("\n")[0] ?? "")).toMatchObject({ level: "info" });
    const forcedJson = (await workerOutput("json", true)).replaceAll("\r", "");
    expect(JSON.parse(forcedJson.split("\n")[0] ?? "")).toMatchObject({ level: "info" });
    // Pretty without a terminal: readable, without colour codes.
    const forcedPretty = await workerOutput("pretty", false);
    expect(forcedPretty).toMatch(/^\d\d:\d\d:\d\d INFO {2}starting with \*{4} {2}config=/);
    expect(forcedPretty).not.toContain("\u001b[");
  });
});
