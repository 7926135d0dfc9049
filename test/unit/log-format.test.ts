import { describe, expect, it } from "vitest";
import { prettyLine } from "../../src/lib/runtime/log.js";

const at = new Date(2026, 11, 1, 12, 1, 3).toISOString(); // 12:01:03 local time

function line(fields: Record<string, unknown>): string {
  return JSON.stringify({ level: "info", time: at, service: "ampa", ...fields });
}

describe("prettyLine", () => {
  it("renders time, level, message and the other fields as key=value", () => {
    expect(
      prettyLine(line({ msg: "tick: started date (score 0.500)", commandId: "date" }), false),
    ).toBe("12:01:03 INFO  tick: started date (score 0.500)  commandId=date\n");
  });

  it("quotes values that would not read unambiguously and writes objects as JSON", () => {
    expect(
      prettyLine(
        line({ level: "warn", msg: "m", n: 3, ok: true, s: "two words", o: { a: [1] }, e: "" }),
        false,
      ),
    ).toBe('12:01:03 WARN  m  n=3 ok=true s="two words" o={"a":[1]} e=""\n');
  });

  it("shows an error's message as err= and its frames indented below", () => {
    const err = {
      type: "Error",
      message: "boom",
      stack: "Error: boom\n    at f (a.ts:1:2)\n    at g (b.ts:3:4)",
    };
    expect(prettyLine(line({ level: "error", msg: "failed", err }), false)).toBe(
      "12:01:03 ERROR failed  err=boom\n    at f (a.ts:1:2)\n    at g (b.ts:3:4)\n",
    );
  });

  it("colours the level and dims times and keys only when asked", () => {
    const coloured = prettyLine(line({ level: "error", msg: "m", k: "v" }), true);
    expect(coloured).toBe(
      "\u001b[2m12:01:03\u001b[0m \u001b[31mERROR\u001b[0m m  \u001b[2mk=\u001b[0mv\n",
    );
  });

  it("passes through what is not a JSON object", () => {
    expect(prettyLine("plain text\n", true)).toBe("plain text\n");
    expect(prettyLine("[1,2]\n", false)).toBe("[1,2]\n");
  });
});
