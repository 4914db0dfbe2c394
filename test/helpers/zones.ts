/**
 * A time zone in which `at` is midday, give or take half an hour: `Etc/GMT-N` is the fixed
 * offset UTC+N (POSIX signs are inverted). The few tests that must run on the real clock (Roost
 * as its own process, npm start) put their sites in it, so a booking "now" for the next hour
 * never crosses a local midnight or a DST change, whatever the hour the suite runs at.
 */
export function zoneWhereItIsMidday(at: Date): string {
  const utcHours = at.getUTCHours() + at.getUTCMinutes() / 60;
  const offset = Math.max(-12, Math.min(14, Math.round(12 - utcHours)));
  return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}
