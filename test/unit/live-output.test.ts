import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import {
  CloudWatchFilterSource,
  CloudWatchStreamSource,
  workerLogStream,
} from "../../src/lib/adapters/cloudwatch-logs.js";
import { liveLines } from "../../src/lib/app/live-follow.js";
import { LineSplitter, outputEnvelope, parseEnvelope } from "../../src/lib/core/live-output.js";
import { eventRenderer, rawRenderer, shownLine } from "../../src/lib/core/live-render.js";
import { registerSecret } from "../../src/lib/core/secrets.js";

const cw = mockClient(CloudWatchLogsClient);
afterEach(() => cw.reset());

const collect = async (lines: AsyncIterable<string>) => {
  const all: string[] = [];
  for await (const line of lines) all.push(line);
  return all;
};

describe("live output lines", () => {
  it("splits a stream into redacted lines, cuts a 1 MB line with a note and keeps the line after it", () => {
    registerSecret("s3cr3t-live-value");
    const s = new LineSplitter();
    expect(s.push(Buffer.from("a\r\nb with s3cr3t-live"))).toEqual(["a"]);
    expect(s.push(Buffer.from("-value\nc"))).toEqual(["b with ****"]);
    const huge = s.push(
      Buffer.concat([Buffer.alloc(2 * 1024 * 1024, "x"), Buffer.from("\nnext\n")]),
    );
    expect(huge).toHaveLength(2);
    expect(huge[0]).toMatch(/^cx{8191} … \[ampa: line cut, \d+ more bytes\]$/);
    expect(huge[1]).toBe("next");
    expect(s.end()).toEqual([]);
  });

  it("takes only an exact envelope as program output", () => {
    expect(parseEnvelope(outputEnvelope("r1", '{"ampaOutput":1}'))).toEqual({
      runId: "r1",
      line: '{"ampaOutput":1}',
    });
    expect(
      parseEnvelope('{"ampaOutput":{"runId":"r1","line":"x"},"level":"info"}'),
    ).toBeUndefined();
    expect(parseEnvelope('{"level":"info","msg":"run started"}')).toBeUndefined();
  });

  it("renders agent events readably and makes every line inert", () => {
    const r = (line: string) => shownLine(line, eventRenderer);
    expect(r('{"type":"text","part":{"text":"Hello"}}')).toBe("[text] Hello");
    expect(r('{"type":"tool_use","part":{"tool":"bash","state":{"input":{"command":"ls"}}}}')).toBe(
      '[tool_use] tool bash {"command":"ls"}',
    );
    expect(r('{"type":"error","error":{"message":"quota"}}')).toBe("[error] error: quota");
    expect(r('{"type":"assistant","message":{"content":[{"type":"text","text":"Done."}]}}')).toBe(
      "[assistant] Done.",
    );
    expect(r("plain \u001b[31mred\u001b[0m\rover\u009b2J")).toBe("plain red\\u000dover");
    expect(r("{not json")).toBe("{not json");
    // --raw: the line as received, its window-title escape removed all the same.
    expect(shownLine('{"type":"x","text":"\u001b]0;t\u0007hi"}', rawRenderer)).toBe(
      '{"type":"x","text":"hi"}',
    );
  });
});

describe("CloudWatch Logs (aws-sdk-client-mock: there is no local CloudWatch Logs)", () => {
  it("follows an ECS task's stream by nextForwardToken until the run ends, taking only this run's envelopes", async () => {
    const group = "/aws/ecs/ampa-prod-worker";
    const stream = workerLogStream("arn:aws:ecs:eu-west-1:1:task/ampa-prod/abc123");
    expect(stream).toBe("worker/worker/abc123");
    const ev = (message: string) => ({ message, timestamp: 1, ingestionTime: 1 });
    cw.on(GetLogEventsCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "no stream yet", $metadata: {} }))
      .resolvesOnce({
        events: [
          ev('{"level":"info","msg":"run started"}'),
          ev(outputEnvelope("run-1", "first")),
          ev(outputEnvelope("other-run", "not ours")),
        ],
        nextForwardToken: "f/1",
      })
      .resolvesOnce({ events: [], nextForwardToken: "f/1" })
      .resolvesOnce({ events: [ev(outputEnvelope("run-1", "second"))], nextForwardToken: "f/2" })
      .resolves({ events: [], nextForwardToken: "f/2" });
    let checks = 0;
    const lines = await collect(
      liveLines(
        new CloudWatchStreamSource({
          client: new CloudWatchLogsClient({ region: "eu-west-1" }),
          group,
          stream,
          runId: "run-1",
          settleMs: 0,
        }),
        { follow: true, pollMs: 0, ended: async () => ++checks > 3 },
      ),
    );
    expect(lines).toEqual(["first", "second"]);
    const calls = cw.commandCalls(GetLogEventsCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({
      logGroupName: group,
      logStreamName: stream,
      startFromHead: true,
    });
    expect(calls.at(-1)).toMatchObject({ nextToken: "f/2" });
  });

  it("finds a function run's lines by its run id (FilterLogEvents), each event once", async () => {
    cw.on(FilterLogEventsCommand)
      .resolvesOnce({
        events: [{ eventId: "e1", timestamp: 10, message: outputEnvelope("run-9", "one") }],
        nextToken: "p2",
      })
      .resolvesOnce({
        events: [{ eventId: "e2", timestamp: 12, message: outputEnvelope("run-9", "two") }],
      })
      .resolves({
        events: [{ eventId: "e2", timestamp: 12, message: outputEnvelope("run-9", "two") }],
      });
    let checks = 0;
    const lines = await collect(
      liveLines(
        new CloudWatchFilterSource({
          client: new CloudWatchLogsClient({ region: "eu-west-1" }),
          group: "/aws/lambda/ampa-prod-runCommand",
          runId: "run-9",
          startTime: 5,
          settleMs: 0,
        }),
        { follow: true, pollMs: 0, ended: async () => ++checks > 2 },
      ),
    );
    expect(lines).toEqual(["one", "two"]);
    const first = cw.commandCalls(FilterLogEventsCommand)[0]?.args[0].input;
    expect(first).toMatchObject({ filterPattern: '"run-9"', startTime: 5 });
    expect(cw.commandCalls(FilterLogEventsCommand).at(-1)?.args[0].input.startTime).toBe(12);
  });
});
