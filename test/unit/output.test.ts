import { describe, expect, it } from "vitest";
import { BoundedOutput, truncateUtf8 } from "../../src/lib/core/output.js";

describe("BoundedOutput", () => {
  it("keeps everything under the limit", () => {
    const out = new BoundedOutput(100);
    out.push(Buffer.from("hello "));
    out.push(Buffer.from("world"));
    expect(out.result()).toEqual({ text: "hello world", droppedBytes: 0 });
  });

  it("keeps the head and the most recent tail of a long stream, and says how much it dropped", () => {
    const out = new BoundedOutput(74); // 64 bytes are kept for the marker
    for (const chunk of ["AAAAA", "bbbbbbbbbb", "ccc", "ZZZZZ"]) out.push(Buffer.from(chunk));
    const { text, droppedBytes } = out.result();
    expect(droppedBytes).toBe(23 - 10);
    expect(text.startsWith("AAAAA")).toBe(true);
    expect(text.endsWith("ZZZZZ")).toBe(true);
    expect(text).toContain("[13 bytes of output dropped]");
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(74);
  });

  it("truncates strings by UTF-8 bytes", () => {
    const { text, droppedBytes } = truncateUtf8("x".repeat(5000), 1000);
    expect(droppedBytes).toBe(4064);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1000);
  });
});
