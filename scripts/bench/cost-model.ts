/**
 * What AMPA costs a month on AWS: a pure function of measured figures and list prices.
 * scripts/bench/cost.ts measures the figures; test/unit/bench-cost-model.test.ts checks
 * the arithmetic.
 */

/** us-east-1 on-demand list prices in USD, without free tiers. */
export interface Prices {
  /** As of when; the document says they must be checked. */
  asOf: string;
  lambdaPerGbSecond: number;
  lambdaPerMillionRequests: number;
  dynamoPerMillionWriteUnits: number;
  dynamoPerMillionReadUnits: number;
  dynamoStoragePerGbMonth: number;
  /** Continuous backups (the template enables point-in-time recovery). */
  dynamoPitrPerGbMonth: number;
  httpApiPerMillionRequests: number;
  logsIngestionPerGb: number;
  logsStoragePerGbMonth: number;
  fargatePerVcpuHour: number;
  fargatePerGbHour: number;
}

/** AWS's published prices for us-east-1, arm64 (Graviton), as last known to the author. */
export const US_EAST_1_ARM64: Prices = {
  asOf: "2025 (the author's last knowledge of AWS's published prices; check them before relying on this)",
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  dynamoStoragePerGbMonth: 0.25,
  dynamoPitrPerGbMonth: 0.2,
  httpApiPerMillionRequests: 1.0,
  logsIngestionPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  fargatePerVcpuHour: 0.03238,
  fargatePerGbHour: 0.00356,
};

/** One kind of invocation and what each one costs in requests, units, time and logs. */
export interface Invocation {
  name: string;
  perMonth: number;
  /** Billed duration of one invocation (Lambda rounds up to the millisecond). */
  durationMs: number;
  readUnits: number;
  writeUnits: number;
  logBytes: number;
  /** Through the HTTP API (one API Gateway request each). */
  viaHttpApi: boolean;
}

export interface CostInputs {
  memoryMb: number;
  invocations: Invocation[];
  /** Table size at steady state (run history full), item overhead included. */
  storageBytes: number;
  logRetentionMonths: number;
  agentHoursPerMonth: number;
  agentVcpu: number;
  agentMemoryGb: number;
}

export interface CostLine {
  item: string;
  quantity: string;
  usd: number;
}

const GB = 1e9;
const million = (n: number) => n / 1e6;

/** Line items of one month at steady state (log storage: after `logRetentionMonths`). */
export function monthlyCost(inputs: CostInputs, p: Prices): CostLine[] {
  const inv = inputs.invocations;
  const sum = (f: (i: Invocation) => number) => inv.reduce((s, i) => s + i.perMonth * f(i), 0);
  const requests = sum(() => 1);
  const gbSeconds = sum((i) => (Math.ceil(i.durationMs) / 1000) * (inputs.memoryMb / 1024));
  const reads = sum((i) => i.readUnits);
  const writes = sum((i) => i.writeUnits);
  const apiRequests = sum((i) => (i.viaHttpApi ? 1 : 0));
  const logGb = sum((i) => i.logBytes) / GB;
  const storageGb = inputs.storageBytes / GB;
  const agentGbHours = inputs.agentHoursPerMonth * inputs.agentMemoryGb;
  const n = (x: number, digits = 0) => x.toLocaleString("en", { maximumFractionDigits: digits });
  return [
    {
      item: "Lambda requests",
      quantity: `${n(requests)} invocations`,
      usd: million(requests) * p.lambdaPerMillionRequests,
    },
    {
      item: "Lambda duration",
      quantity: `${n(gbSeconds, 1)} GB-s`,
      usd: gbSeconds * p.lambdaPerGbSecond,
    },
    {
      item: "DynamoDB writes (on-demand)",
      quantity: `${n(writes)} write request units`,
      usd: million(writes) * p.dynamoPerMillionWriteUnits,
    },
    {
      item: "DynamoDB reads (on-demand)",
      quantity: `${n(reads)} read request units`,
      usd: million(reads) * p.dynamoPerMillionReadUnits,
    },
    {
      item: "DynamoDB storage",
      quantity: `${n(storageGb * 1000, 2)} MB`,
      usd: storageGb * p.dynamoStoragePerGbMonth,
    },
    {
      item: "DynamoDB point-in-time recovery",
      quantity: `${n(storageGb * 1000, 2)} MB`,
      usd: storageGb * p.dynamoPitrPerGbMonth,
    },
    {
      item: "API Gateway HTTP API",
      quantity: `${n(apiRequests)} requests`,
      usd: million(apiRequests) * p.httpApiPerMillionRequests,
    },
    {
      item: "CloudWatch Logs ingestion",
      quantity: `${n(logGb * 1000, 1)} MB`,
      usd: logGb * p.logsIngestionPerGb,
    },
    {
      item: `CloudWatch Logs storage (after ${inputs.logRetentionMonths} months)`,
      quantity: `${n(logGb * inputs.logRetentionMonths * 1000, 1)} MB`,
      usd: logGb * inputs.logRetentionMonths * p.logsStoragePerGbMonth,
    },
    {
      item: `Fargate agent runs (${inputs.agentVcpu} vCPU / ${inputs.agentMemoryGb} GB)`,
      quantity: `${n(inputs.agentHoursPerMonth)} task-hours`,
      usd:
        inputs.agentHoursPerMonth * inputs.agentVcpu * p.fargatePerVcpuHour +
        agentGbHours * p.fargatePerGbHour,
    },
  ];
}

export const totalUsd = (lines: CostLine[]) => lines.reduce((s, l) => s + l.usd, 0);
