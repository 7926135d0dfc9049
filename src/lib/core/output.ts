/**
 * Keeps at most `limitBytes` of a stream's output: the first half and the most recent
 * half, so a command that prints a gigabyte costs bounded memory and still shows how it
 * started and how it ended.
 */
const MARKER_RESERVE = 64;

export class BoundedOutput {
  private readonly headLimit: number;
  private readonly tailLimit: number;
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
  }

  push(chunk: Buffer): void {
    let rest = chunk;
    if (this.headBytes < this.headLimit) {
      const take = Math.min(this.headLimit - this.headBytes, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    while (this.tailBytes > this.tailLimit) {
      const first = this.tail[0];
      if (!first) break;
      const excess = this.tailBytes - this.tailLimit;
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

  /** The kept text, with a marker where bytes were dropped, and how many were. */
  result(): { text: string; droppedBytes: number } {
    const head = Buffer.concat(this.head).toString("utf8");
    const tail = Buffer.concat(this.tail).toString("utf8");
    if (this.dropped === 0) return { text: head + tail, droppedBytes: 0 };
    return {
      text: `${head}\n… [${this.dropped} bytes of output dropped] …\n${tail}`,
      droppedBytes: this.dropped,
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
