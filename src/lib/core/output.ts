import { longestSecretForm, redactSecrets } from "./secrets.js";

/**
 * Keeps at most `limitBytes` of a stream's output: the first half and the most recent
 * half, so a command that prints a gigabyte costs bounded memory and still shows how it
 * started and how it ended.
 *
 * A cut must not keep the first (or last) part of a secret that straddles it: each side
 * keeps a margin past its cut, wider than any registered secret in any form (ANSI codes
 * between its characters included), and is redacted before it is cut.
 */
const MARKER_RESERVE = 64;
/** The least margin, and how many bytes of margin each character of a secret's form gets. */
const MIN_MARGIN = 4096;
const MARGIN_PER_CHAR = 8;

/** The first `bytes` of `text` as UTF-8 (a character cut in two becomes U+FFFD). */
const firstBytes = (text: string, bytes: number) =>
  Buffer.from(text, "utf8").subarray(0, bytes).toString("utf8");
const lastBytes = (text: string, bytes: number) => {
  const buf = Buffer.from(text, "utf8");
  return buf.subarray(Math.max(buf.length - bytes, 0)).toString("utf8");
};

export class BoundedOutput {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private readonly margin: number;
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private dropped = 0;

  constructor(limitBytes: number) {
    // Room for the "bytes dropped" marker, so the result never exceeds limitBytes.
    const kept = Math.max(limitBytes - MARKER_RESERVE, 2);
    this.headLimit = Math.floor(kept / 2);
    this.tailLimit = kept - this.headLimit;
    this.margin = Math.max(MIN_MARGIN, MARGIN_PER_CHAR * longestSecretForm());
  }

  push(chunk: Buffer): void {
    let rest = chunk;
    const headRoom = this.headLimit + this.margin;
    if (this.headBytes < headRoom) {
      const take = Math.min(headRoom - this.headBytes, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    const tailRoom = this.tailLimit + this.margin;
    while (this.tailBytes > tailRoom) {
      const first = this.tail[0];
      if (!first) break;
      const excess = this.tailBytes - tailRoom;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailBytes -= first.length;
        this.dropped += first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailBytes -= excess;
        this.dropped += excess;
      }
    }
  }

  /**
   * The kept text, with a marker where bytes were dropped, and how many were (after
   * redaction). Text that needs no cut is returned as it came (its reader redacts it).
   */
  result(): { text: string; droppedBytes: number } {
    const headText = Buffer.concat(this.head).toString("utf8");
    const tailText = Buffer.concat(this.tail).toString("utf8");
    const kept = this.headLimit + this.tailLimit;
    if (this.headBytes + this.tailBytes + this.dropped <= kept)
      return { text: headText + tailText, droppedBytes: 0 };
    // Nothing left the tail: head and tail are one text, and a secret may span both.
    const [head, tail] =
      this.dropped === 0
        ? [redactSecrets(headText + tailText), undefined]
        : [redactSecrets(headText), redactSecrets(tailText)];
    const whole = tail === undefined ? head : undefined;
    if (whole !== undefined && Buffer.byteLength(whole) <= kept)
      return { text: whole, droppedBytes: 0 };
    const total = Buffer.byteLength(head) + (tail === undefined ? 0 : Buffer.byteLength(tail));
    const droppedBytes = this.dropped + total - kept;
    const start = firstBytes(head, this.headLimit);
    const end = lastBytes(tail ?? head, this.tailLimit);
    return {
      text: `${start}\n… [${droppedBytes} bytes of output dropped] …\n${end}`,
      droppedBytes,
    };
  }
}

/** Cuts a string to at most `limitBytes` of UTF-8 the same way BoundedOutput does. */
export function truncateUtf8(
  text: string,
  limitBytes: number,
): { text: string; droppedBytes: number } {
  if (Buffer.byteLength(text, "utf8") <= limitBytes) return { text, droppedBytes: 0 };
  const out = new BoundedOutput(limitBytes);
  out.push(Buffer.from(text, "utf8"));
  return out.result();
}
