import * as z from "zod";
import { staleMinutesSchema } from "../delegation/metadata.js";

/** `stale-delegation-watchdog` metadata. */
export const watchdogMetadataSchema = z.looseObject({
  stale_after_minutes: staleMinutesSchema.optional(),
});
