/**
 * Timestamps of the Python daemon's store: `datetime.isoformat()` of aware datetimes
 * (`2026-02-05T07:51:52.053932+00:00`), sometimes with a trailing `Z`. The store here keeps
 * epoch milliseconds, so digits below the millisecond are dropped (truncated).
 */
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?)$/;

export const TIME_MESSAGE = "must be an ISO 8601 time with an offset or Z";

/** Epoch milliseconds, or undefined when `text` is not an ISO 8601 time with an offset. */
export function parsePythonTime(text: string): number | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = "0", frac = "", z, sign, oh = "0", om = "0", os = "0"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1970 || year > 9999 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (!z && (Number(oh) > 23 || Number(om) > 59 || Number(os) > 59)) return undefined;
  const ms = Number(frac.slice(0, 3).padEnd(3, "0"));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(local);
  // Date.UTC rolls 31 April over into May: reject dates that do not exist.
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const offsetMs = z
    ? 0
    : (sign === "-" ? -1 : 1) * ((Number(oh) * 60 + Number(om)) * 60 + Number(os)) * 1000;
  return local - offsetMs;
}

/**
 * What Python's `datetime.isoformat()` writes for the same instant in UTC at millisecond
 * precision: `2026-02-05T07:51:52.053000+00:00`, or `2026-02-05T07:51:52+00:00` on a whole
 * second. Python 3.7+ `datetime.fromisoformat` reads it back.
 */
export function formatPythonTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-02-05T07:51:52.053Z
  const whole = iso.slice(0, 19);
  const millis = iso.slice(20, 23);
  return ms % 1000 === 0 ? `${whole}+00:00` : `${whole}.${millis}000+00:00`;
}
