import type { RunClaim } from "../core/command.js";
import type { Config } from "../core/config.js";
import { asError, type Logger } from "../core/logger.js";
import type { Clock, CounterStore } from "../core/ports.js";

/**
 * A running worker's hold on its lease. Every `leaseRenewMs` it extends the lease to
 * now + `leaseTtlMs`, conditionally on still holding it, so a worker that dies is
 * recovered within one TTL whatever the run's max runtime. When the lease is lost — taken
 * over after a recovery, or not renewed before it expired because the store could not be
 * reached — `signal` aborts: the run's programs are killed and nothing is recorded over
 * the newer run.
 */
export interface LeaseHold {
  signal: AbortSignal;
  /** Why the lease was lost; undefined while it is held. */
  lostReason(): string | undefined;
  /** Stops renewing (the run is over: it is about to be recorded). */
  stop(): void;
}

export interface LeaseDeps {
  /** The run protocol's renewal (app/run-protocol.ts renewLease) and the counters. */
  store: {
    renewLease(claim: RunClaim, now: number, expiresAt: number): Promise<boolean>;
  } & CounterStore;
  config: Pick<Config, "leaseRenewMs" | "leaseTtlMs">;
  clock: Clock;
  log: Logger;
}

/** Starts renewing `claim`'s lease, which the caller holds until `expiresAt`. */
export function holdLease(deps: LeaseDeps, claim: RunClaim, expiresAt: number): LeaseHold {
  const { store, config, clock, log } = deps;
  const controller = new AbortController();
  let heldUntil = expiresAt;
  let lost: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const lose = (reason: string) => {
    if (lost !== undefined) return;
    lost = reason;
    log.warn({ reason }, "lease lost: stopping the run");
    controller.abort(new Error(reason));
  };

  const renew = async () => {
    const now = clock();
    const next = now + config.leaseTtlMs;
    try {
      if (await store.renewLease(claim, now, next)) {
        heldUntil = next;
        await store
          .incrementCounter("ampa_lease_renewals_total", { command: claim.commandId })
          .catch((err: unknown) =>
            log.warn({ err: asError(err).message }, "could not count a lease renewal"),
          );
      } else lose("the lease was recovered or taken over by another run");
    } catch (err) {
      log.warn({ err: asError(err).message }, "lease renewal failed; retrying");
      // Past the expiry nobody can tell whether a recovery has happened meanwhile.
      if (clock() >= heldUntil) lose("the lease expired before it could be renewed");
    }
  };

  const schedule = () => {
    if (stopped || lost !== undefined) return;
    timer = setTimeout(() => {
      void renew().finally(schedule);
    }, config.leaseRenewMs);
    // A finished run must not wait for the next renewal to let the process exit.
    timer.unref();
  };
  schedule();

  return {
    signal: controller.signal,
    lostReason: () => lost,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
