/** Wire formats the service uses for times and entity tags. */

/** ISO-8601 with 7 fractional digits, as the service writes times: 2022-10-01T12:00:00.1230000Z. */
export function formatTime(ms: number): string {
  // A batch of adds shares one clock reading: formatting it once per distinct value saves a Date per entity.
  if (ms === lastFormatted.ms) return lastFormatted.text;
  const iso = new Date(ms).toISOString(); // 2022-10-01T12:00:00.123Z
  const text = `${iso.slice(0, 23)}0000Z`;
  lastFormatted.ms = ms;
  lastFormatted.text = text;
  return text;
}

const lastFormatted = { ms: Number.NaN, text: "" };

/** RFC 1123, as in Last-Modified and ocp-date. */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** The ISO 8601 duration form the service uses, e.g. PT15M, P1DT2H. */
export function formatDuration(ms: number): string {
  const totalSeconds = ms / 1000;
  const days = Math.floor(totalSeconds / 86400);
  const hours = Math.floor((totalSeconds % 86400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Math.round((totalSeconds % 60) * 1e7) / 1e7;
  return `P${days > 0 ? `${days}D` : ""}${timePart(hours, minutes, seconds, days === 0)}`;
}

/** The T part of a duration: its non-zero hours, minutes and seconds; a zero duration is PT0S. */
function timePart(hours: number, minutes: number, seconds: number, noDays: boolean): string {
  let out = hours > 0 ? `${hours}H` : "";
  if (minutes > 0) out += `${minutes}M`;
  if (seconds > 0 || (noDays && out === "")) out += `${seconds}S`;
  return out === "" ? "" : `T${out}`;
}

/**
 * Years, months and weeks are accepted as the service accepts them (a year is 365 days, a month 30, a week 7):
 * it answers with days, so `P3Y6M4DT12H30M5S` reads back as `P1279DT12H30M5S`.
 */
const durationPattern =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Parses an ISO 8601 duration into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text);
  if (match === null || text === "P" || text.endsWith("T")) return undefined;
  // Groups: 1 years, 2 months, 3 weeks, 4 days, 5 hours, 6 minutes, 7 seconds; absent ones are 0.
  const n = (group: number): number => Number(match[group] ?? 0);
  const days = n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4);
  return ((days * 24 + n(5)) * 60 + n(6)) * 60_000 + n(7) * 1000;
}

/** A duration in the service's normalised form (days, hours, minutes, seconds); undefined when malformed. */
export function normaliseDuration(text: string): string | undefined {
  const ms = parseDuration(text);
  return ms === undefined ? undefined : formatDuration(ms);
}
