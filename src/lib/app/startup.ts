import type { Logger } from "../runtime/log.js";
import { readWlStatus, startupMessage } from "./notify/messages.js";
import type { Notifier } from "./notify/notifier.js";
import type { Store } from "../adapters/dynamodb/store.js";

/**
 * Posts `# Scheduler Started` once per build: every cold container of a deployment tries,
 * the conditional write lets exactly one through. `AMPA_BUILD_ID` is `${sls:instanceId}`,
 * new for each `osls deploy` and for each `osls offline start` (each `npm start`).
 */
export async function announceStartup(
  deps: { store: Store; notifier: Notifier; clock: () => number; log: Logger },
  buildId: string,
  wlStatus: () => Promise<string | undefined> = () => readWlStatus(),
): Promise<boolean> {
  if (!(await deps.store.claimStartupAnnouncement(buildId, deps.clock()))) return false;
  const sent = await deps.notifier.send("startup", startupMessage(await wlStatus()));
  deps.log.info({ buildId, delivered: sent.delivered }, "announced scheduler start");
  return true;
}
