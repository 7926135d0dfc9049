import type { Logger } from "../core/logger.js";
import { startupMessage } from "./notify/messages.js";
import type { Clock, Notify, SchedulerStore } from "../core/ports.js";

/**
 * Posts `# Scheduler Started` once per build: every cold container of a deployment tries,
 * the conditional write lets exactly one through. `AMPA_BUILD_ID` is `${sls:instanceId}`,
 * new for each `osls deploy` and for each `osls offline start` (each `npm start`).
 */
export async function announceStartup(
  deps: {
    store: Pick<SchedulerStore, "claimStartupAnnouncement">;
    notifier: Notify;
    clock: Clock;
    log: Logger;
  },
  buildId: string,
  /** Plain `wl status` for the message; undefined when it is not available. */
  wlStatus: () => Promise<string | undefined>,
): Promise<boolean> {
  if (!(await deps.store.claimStartupAnnouncement(buildId, deps.clock()))) return false;
  const sent = await deps.notifier.send("startup", startupMessage(await wlStatus()));
  deps.log.info({ buildId, delivered: sent.delivered }, "announced scheduler start");
  return true;
}
