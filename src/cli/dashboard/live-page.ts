import type { ServerResponse } from "node:http";
import { rawRenderer, shownLine } from "../../lib/core/live-render.js";
import { redactSecrets } from "../../lib/core/secrets.js";
import { markup } from "./html.js";

/**
 * The live view of one run (`GET /live?id=<run or command id>`): the lines `ampa logs -f`
 * prints, streamed over server-sent events (`GET /live/events`), each rendered, redacted
 * and made inert server-side and shown by the page as text (never as markup). A finished
 * run shows its stored output (the record keeps its tail).
 */

/** A run's lines as shown (rendered, inert), until it ends or `signal` aborts (cli/live.ts shownRunLines). */
export type LiveLines = (id: string, signal: AbortSignal) => AsyncIterable<string>;

/** `/live?token=…&id=…`: the link of a running bar or run. */
export const liveHref = (id: string, token: string) =>
  `/live?${new URLSearchParams({ token, id })}`;

const SCRIPT = `
(() => {
  const params = new URLSearchParams({ token: document.body.dataset.token, id: document.body.dataset.id });
  const out = document.getElementById("out");
  const state = document.getElementById("state");
  const events = new EventSource("/live/events?" + params);
  events.addEventListener("line", (e) => {
    out.append(JSON.parse(e.data) + "\\n");
    document.body.dataset.lines = String(Number(document.body.dataset.lines || 0) + 1);
  });
  events.addEventListener("end", () => {
    events.close();
    state.textContent = "The run has ended.";
    document.body.dataset.ended = "1";
  });
})();
`;

export function livePage(id: string, opts: { token: string; nonce: string }): string {
  const back = `/?${new URLSearchParams({ token: opts.token })}`;
  return markup`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${id} live · AMPA dashboard</title>
<style nonce="${opts.nonce}">body{font:14px system-ui,sans-serif;margin:1rem}pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.5rem}</style></head>
<body data-token="${opts.token}" data-id="${id}" data-lines="0">
<p><a href="${back}">← all commands</a></p>
<h1>Output of ${id}</h1>
<p id="state">Following the run until it ends…</p>
<pre id="out"></pre>
<script nonce="${opts.nonce}">${SCRIPT}</script>
</body></html>`.text;
}

/**
 * Streams the run's lines on `res` as `line` events (JSON strings), then one `end`; a
 * closed connection stops the reading.
 */
export async function streamLive(res: ServerResponse, lines: LiveLines, id: string): Promise<void> {
  const stop = new AbortController();
  res.once("close", () => stop.abort());
  // Not `retry`: a stream that ended is not reopened by the page.
  res.write(": live\n\n");
  try {
    for await (const line of lines(id, stop.signal)) {
      // The lines come rendered; made inert again here, whoever supplied them.
      const shown = shownLine(line, rawRenderer);
      if (shown !== undefined) res.write(`event: line\ndata: ${JSON.stringify(shown)}\n\n`);
    }
    res.write("event: end\ndata: ended\n\n");
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    res.write(`event: line\ndata: ${JSON.stringify(redactSecrets(`[ampa] ${message}`))}\n\n`);
    res.write("event: end\ndata: failed\n\n");
  }
  res.end();
}
