import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { MetricLabels, OnCorrupt, StoredMetric } from "../../core/ports.js";
import { parseItem, readItems, reportTo, storedMetricSchema } from "./items.js";
import { METRICS, metricKey } from "./keys.js";
import { queryAll, type Table } from "./table-io.js";
import { emitCounter } from "../emf.js";

/** The METRICS partition: counters and gauges shared by every container. */

/**
 * Atomically adds to a counter (created at 0 on first use). On Lambda, a series an alarm
 * watches also goes to CloudWatch as an EMF log line (adapters/emf.ts), once stored.
 */
export async function incrementCounter(
  t: Table,
  name: string,
  labels: MetricLabels = {},
  by = 1,
): Promise<void> {
  await t.doc.send(
    new UpdateCommand({
      TableName: t.name,
      Key: metricKey(name, labels),
      UpdateExpression: "SET #name = :name, labels = :labels, kind = :kind ADD #value :by",
      ExpressionAttributeNames: { "#name": "name", "#value": "value" },
      ExpressionAttributeValues: {
        ":name": name,
        ":labels": labels,
        ":kind": "counter",
        ":by": by,
      },
    }),
  );
  emitCounter(name, labels, by);
}

export async function listMetrics(t: Table, onCorrupt?: OnCorrupt): Promise<StoredMetric[]> {
  const report = reportTo(t.report, onCorrupt);
  return readItems(
    queryAll(t, { pk: METRICS, consistent: true }),
    (item) => parseItem(storedMetricSchema, item),
    report,
  );
}
