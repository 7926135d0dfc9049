import type { MetricLabels } from "../core/ports.js";

/**
 * CloudWatch metrics as Embedded Metric Format log lines: one JSON object per line on
 * stdout, which CloudWatch Logs turns into a metric with no extra request. Only the series
 * the template's alarms watch are emitted, and only once configured (on Lambda).
 */
export const EMF_NAMESPACE = "AMPA";

/** Prometheus counter (name and the labels that select it) → CloudWatch metric name. */
const ALARMED_SERIES: { counter: string; labels: MetricLabels; metric: string }[] = [
  { counter: "ampa_command_runs_total", labels: { outcome: "abandoned" }, metric: "RunsAbandoned" },
  {
    counter: "ampa_discord_messages_total",
    labels: { outcome: "dead_letter" },
    metric: "DeadLetters",
  },
];

export interface EmfSettings {
  stage: string;
  /** Where lines go (default stdout, which Lambda sends to CloudWatch Logs). */
  write?: (line: string) => void;
  clock?: () => number;
}

let settings: EmfSettings | undefined;

/** Turns emission on (settings) or off (undefined) for this process. */
export function configureEmf(next: EmfSettings | undefined): void {
  settings = next;
}

/** The CloudWatch metric a counter increment feeds, if an alarm watches it. */
export function alarmedMetric(counter: string, labels: MetricLabels): string | undefined {
  return ALARMED_SERIES.find(
    (s) => s.counter === counter && Object.entries(s.labels).every(([k, v]) => labels[k] === v),
  )?.metric;
}

/** One EMF line: metric `name` = `value` (Count) in namespace AMPA, dimension Stage. */
export function emfLine(stage: string, name: string, value: number, at: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: at,
      CloudWatchMetrics: [
        {
          Namespace: EMF_NAMESPACE,
          Dimensions: [["Stage"]],
          Metrics: [{ Name: name, Unit: "Count" }],
        },
      ],
    },
    Stage: stage,
    [name]: value,
  });
}

/** Writes the EMF line for a counter increment when emission is on and an alarm needs it. */
export function emitCounter(counter: string, labels: MetricLabels, by: number): void {
  if (!settings) return;
  const metric = alarmedMetric(counter, labels);
  if (!metric) return;
  const at = (settings.clock ?? Date.now)();
  const write = settings.write ?? ((line: string) => process.stdout.write(line));
  write(`${emfLine(settings.stage, metric, by, at)}\n`);
}
