/**
 * The local inbox's page: every captured post with its buttons; a click goes to the inbox
 * (`POST /click`), which signs it and sends it to the local Interactions Endpoint. Posts
 * are untrusted text: the script writes them with `textContent` only (never as markup),
 * and the page's CSP allows no other script. A link button (style 5) is a link that opens
 * in a new tab, its href set through the DOM and only to an https URL.
 */

export const INBOX_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>AMPA local Discord inbox</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; background: #313338; color: #dbdee1; }
h1 { font-size: 1.2em; }
article { background: #2b2d31; border-radius: 6px; padding: .6em 1em; margin: .8em 0; }
article.answer { border-left: 3px solid #5865f2; }
header { color: #949ba4; font-size: .85em; }
pre { white-space: pre-wrap; word-break: break-word; font: inherit; margin: .4em 0; }
button { margin-right: .5em; padding: .35em .9em; border: 0; border-radius: 3px; color: #fff; cursor: pointer; }
button.s1 { background: #5865f2; } button.s2 { background: #4e5058; }
button.s3 { background: #248046; } button.s4 { background: #da373c; }
a.link { margin-right: .5em; padding: .35em .9em; border-radius: 3px; color: #fff; background: #4e5058; text-decoration: none; display: inline-block; }
.result { color: #949ba4; font-size: .85em; margin-top: .3em; }
</style>
</head>
<body>
<h1>AMPA local Discord inbox</h1>
<p id="empty">No posts yet.</p>
<main id="posts"></main>
<script src="/inbox.js"></script>
</body>
</html>
`;

export const INBOX_SCRIPT = `"use strict";
const posts = document.getElementById("posts");
const empty = document.getElementById("empty");
let shown = "";

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function isHttps(url) {
  try {
    return typeof url === "string" && new URL(url).protocol === "https:";
  } catch {
    return false;
  }
}

function describe(reply) {
  if (reply.status !== 200) return "refused: HTTP " + reply.status + " " + JSON.stringify(reply.answer);
  const a = reply.answer || {};
  if (a.type === 5) return (a.data && a.data.flags === 64 ? "(only you) " : "") + "AMPA is thinking: the answer follows below";
  if (a.type === 4 && a.data) return (a.data.flags === 64 ? "(only you) " : "") + a.data.content;
  return JSON.stringify(a);
}

async function click(messageId, index, result) {
  result.textContent = "clicking…";
  try {
    const res = await fetch("/click", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messageId, button: String(index + 1) }),
    });
    const reply = await res.json();
    result.textContent = res.ok ? describe(reply) : "could not click: " + reply.message;
  } catch (err) {
    result.textContent = "could not click: " + err;
  }
}

function render(messages) {
  empty.hidden = messages.length > 0;
  posts.replaceChildren();
  for (const m of [...messages].reverse()) {
    const post = el("article", undefined, m.via === "answer" ? "answer" : "");
    post.dataset.messageId = m.id;
    const kind = m.via === "answer" ? "answer to an interaction" : m.via === "bot" ? "AMPA (bot)" : "AMPA (webhook)";
    post.append(el("header", kind + " · " + new Date(m.receivedAt).toISOString() + " · message " + m.id));
    post.append(el("pre", m.content));
    const result = el("div", undefined, "result");
    const buttons = (m.components || []).flatMap((row) => (row && row.components) || []);
    buttons.forEach((b, i) => {
      if (b.style === 5) {
        // A link: opened by the browser, never clicked through the endpoint.
        const link = el("a", b.label + " \u2197", "link");
        if (isHttps(b.url)) link.href = b.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        post.append(link);
        return;
      }
      const button = el("button", b.label, "s" + (Number(b.style) || 2));
      button.type = "button";
      button.addEventListener("click", () => click(m.id, i, result));
      post.append(button);
    });
    post.append(result);
    posts.append(post);
  }
}

async function refresh() {
  try {
    const res = await fetch("/messages", { cache: "no-store" });
    const { messages } = await res.json();
    const key = messages.map((m) => m.id).join(",");
    if (key !== shown) {
      shown = key;
      render(messages);
    }
  } catch {
    // The inbox stopped; try again.
  }
  setTimeout(refresh, 1000);
}
refresh();
`;
