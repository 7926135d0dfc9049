import { afterEach, describe, expect, it, vi } from "vitest";
import { handler as health } from "../../src/handlers/health.js";
import { handler as runCommand } from "../../src/handlers/runCommand.js";

// The container's App is built on the first invocation, from process.env: this file
// stubs the environment of a Lambda container before any handler runs in it.
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("a cold start on Lambda with an invalid setting", () => {
  it("fails the invocation with the message naming the variable, even where failures are answered", async () => {
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "ampa-prod-health");
    vi.stubEnv("AMPA_TABLE_NAME", "my table!");
    vi.stubEnv("IS_OFFLINE", "");
    vi.stubEnv("IS_LOCAL", "");
    // health answers its own failures with 503 and runCommand with {status: "error"}:
    // neither may hide a bad deploy behind a normal-looking answer.
    await expect(health()).rejects.toThrow(
      /^Invalid configuration: AMPA_TABLE_NAME="my table!" is invalid/,
    );
    await expect(runCommand({ commandId: "x" }, undefined as never)).rejects.toMatchObject({
      name: "ConfigError",
      variables: ["AMPA_TABLE_NAME"],
    });
  });
});
