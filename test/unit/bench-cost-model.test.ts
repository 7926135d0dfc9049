import { describe, expect, it } from "vitest";
import {
  type CostInputs,
  monthlyCost,
  type Prices,
  totalUsd,
} from "../../scripts/bench/cost-model.js";
import { parseOnly } from "../../scripts/bench/main.js";

// Round prices, so every expected figure below can be checked by hand.
const prices: Prices = {
  asOf: "test",
  lambdaPerGbSecond: 0.00001,
  lambdaPerMillionRequests: 0.2,
  dynamoPerMillionWriteUnits: 1,
  dynamoPerMillionReadUnits: 0.25,
  dynamoStoragePerGbMonth: 0.25,
  dynamoPitrPerGbMonth: 0.2,
  httpApiPerMillionRequests: 1,
  logsIngestionPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  fargatePerVcpuHour: 0.04,
  fargatePerGbHour: 0.004,
};

const inputs: CostInputs = {
  memoryMb: 512,
  invocations: [
    // 1 million ticks of 99.2 ms (billed 100 ms), 2 RRU, 3 WRU, 1,000 B of log each.
    {
      name: "tick",
      perMonth: 1e6,
      durationMs: 99.2,
      readUnits: 2,
      writeUnits: 3,
      logBytes: 1000,
      viaHttpApi: false,
    },
    {
      name: "metrics",
      perMonth: 2e6,
      durationMs: 10,
      readUnits: 1,
      writeUnits: 0,
      logBytes: 500,
      viaHttpApi: true,
    },
  ],
  storageBytes: 2e9,
  logRetentionMonths: 12,
  agentHoursPerMonth: 100,
  agentVcpu: 1,
  agentMemoryGb: 2,
};

const usd = (item: string) => monthlyCost(inputs, prices).find((l) => l.item.startsWith(item))?.usd;

describe("monthlyCost", () => {
  it("prices Lambda requests and GB-seconds with durations rounded up to the millisecond", () => {
    expect(usd("Lambda requests")).toBeCloseTo(3 * 0.2);
    // 1e6 × 0.1 s × 0.5 GB + 2e6 × 0.01 s × 0.5 GB = 60,000 GB-s.
    expect(usd("Lambda duration")).toBeCloseTo(60_000 * 0.00001);
  });

  it("prices DynamoDB request units, storage and point-in-time recovery", () => {
    expect(usd("DynamoDB writes")).toBeCloseTo(3 * 1);
    expect(usd("DynamoDB reads")).toBeCloseTo(4 * 0.25);
    expect(usd("DynamoDB storage")).toBeCloseTo(2 * 0.25);
    expect(usd("DynamoDB point-in-time")).toBeCloseTo(2 * 0.2);
  });

  it("counts API Gateway requests only for invocations through the HTTP API", () => {
    expect(usd("API Gateway")).toBeCloseTo(2 * 1);
  });

  it("prices log ingestion, and storage of a full retention period", () => {
    // 1e6 × 1,000 B + 2e6 × 500 B = 2 GB a month; 24 GB kept after 12 months.
    expect(usd("CloudWatch Logs ingestion")).toBeCloseTo(2 * 0.5);
    expect(usd("CloudWatch Logs storage")).toBeCloseTo(24 * 0.03);
  });

  it("prices Fargate task hours by vCPU and memory, and the total adds every line", () => {
    expect(usd("Fargate")).toBeCloseTo(100 * 0.04 + 200 * 0.004);
    const lines = monthlyCost(inputs, prices);
    expect(lines).toHaveLength(10);
    expect(totalUsd(lines)).toBeCloseTo(0.6 + 0.6 + 3 + 1 + 0.5 + 0.4 + 2 + 1 + 0.72 + 4.8);
  });
});

describe("npm run bench --only", () => {
  it("runs every section without the flag, and only the ones named with it", () => {
    expect([...parseOnly([])]).toEqual(["accuracy", "tick", "footprint", "cost", "cli"]);
    expect([...parseOnly(["--only", "footprint,cost"])]).toEqual(["footprint", "cost"]);
  });

  it("refuses an unknown or missing section name", () => {
    expect(() => parseOnly(["--only", "footprnt"])).toThrow(
      /accuracy, tick, footprint, cost, cli; got "footprnt"/,
    );
    expect(() => parseOnly(["--only"])).toThrow(/comma-separated/);
  });
});
