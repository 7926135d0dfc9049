import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const TOKEN = "AbC_dEf-123ghiJKLmnoPQRstuVWXyz0123456789abcdefghijklmnopqrstuvwxyz_-";

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
});
