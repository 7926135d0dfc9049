import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { handler as healthHandler } from "../../src/handlers/health.js";
import { probeLlm } from "../../src/lib/adapters/llm-probe.js";
import { capturingLogger } from "../support/logger.js";

let server: Server | undefined;

async function serve(listener: RequestListener): Promise<string> {
  server = createServer(listener);
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

describe("LLM probe (real HTTP)", () => {
  it("is up on a 2xx answer", async () => {
    const url = await serve((_req, res) => res.end("ok"));
    expect(await probeLlm(url, 1000, capturingLogger().log)).toBe(true);
  });

  it("is down on a 5xx answer and when nothing listens", async () => {
    const url = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    expect(await probeLlm(url, 1000, capturingLogger().log)).toBe(false);
    expect(await probeLlm("http://127.0.0.1:9/health", 1000, capturingLogger().log)).toBe(false);
  });

  it("gives up after its timeout on a server that never answers", async () => {
    const url = await serve(() => {});
    const started = Date.now();
    expect(await probeLlm(url, 300, capturingLogger().log)).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("never takes AMPA's own /health for an LLM", async () => {
    const url = await serve(async (_req, res) => {
      const answer = await healthHandler();
      res.writeHead(answer.statusCode ?? 200, answer.headers as Record<string, string>);
      res.end(answer.body);
    });
    const { log, lines } = capturingLogger();
    expect(await probeLlm(url, 1000, log)).toBe(false);
    expect(lines().some((l) => String(l.msg).includes("AMPA's own /health"))).toBe(true);
  });
});
