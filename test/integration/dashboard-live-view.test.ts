import { afterEach, describe, expect, it } from "vitest";
import { type Dashboard, startDashboard } from "../../src/cli/dashboard/server.js";
import type { Snapshot } from "../../src/cli/dashboard/snapshot.js";

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

const noActions = {
  pause: async () => "",
  resume: async () => "",
  runOnce: async () => "",
  redrive: async () => "",
};

describe("the dashboard's live view of a run", () => {
  it("streams the run's lines inert, then ends; refused without the token", async () => {
    const asked: string[] = [];
    dashboard = await startDashboard({
      port: 0,
      token: "t0ken-for-the-live-view",
      read: () => Promise.reject(new Error("not read here")) as Promise<Snapshot>,
      actions: noActions,
      target: "test",
      async *liveLines(id) {
        asked.push(id);
        yield "plain \u001b[31mred\u001b[0m";
        yield '{"type":"error","error":{"message":"</pre><script>alert(1)</script>"}}';
        yield "x".repeat(1024 * 1024);
      },
    });
    const base = `http://127.0.0.1:${dashboard.port}`;
    expect((await fetch(`${base}/live?id=r1`)).status).toBe(403);
    expect((await fetch(`${base}/live/events?id=r1&token=wrong`)).status).toBe(403);

    const page = await fetch(
      `${base}/live?token=t0ken-for-the-live-view&id=${encodeURIComponent("<b>r1")}`,
    );
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("&lt;b&gt;r1");
    expect(html).not.toContain("<b>r1");

    const events = await fetch(`${base}/live/events?token=t0ken-for-the-live-view&id=r1`);
    expect(events.headers.get("content-type")).toBe("text/event-stream");
    // The stream ends with the run: its whole body can be read.
    const body = await events.text();
    expect(asked).toEqual(["r1"]);
    const lines = [...body.matchAll(/^event: line\ndata: (.*)$/gm)].map(
      (m) => JSON.parse(m[1] ?? "") as string,
    );
    expect(lines[0]).toBe("plain red");
    // Data only: the page appends it as text, never as markup (rendering is the lines'
    // supplier's, cli/live.ts shownRunLines).
    expect(lines[1]).toBe('{"type":"error","error":{"message":"</pre><script>alert(1)</script>"}}');
    expect(lines[2]).toMatch(/^x{8192} … \[ampa: line cut, \d+ more bytes\]$/);
    expect(body).toMatch(/event: end\ndata: ended\n\n$/);
  });
});
