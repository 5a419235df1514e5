/**
 * How long a registration is kept: until 31 August after its season ends, plus the club's
 * retention years (default 1), then DynamoDB's TTL deletes it. Season 2025-26 ends in summer
 * 2026, so with the default its records go after 31 August 2027.
 */
export const defaultRetentionYears = 1;

/** The season's first year: `2025-26` is 2025. */
export function seasonStartYear(season: string): number {
  const match = /^(\d{4})-\d{2}$/.exec(season);
  if (!match) throw new RangeError(`season must look like 2025-26, not ${JSON.stringify(season)}`);
  return Number(match[1]);
}

/** The retention date as epoch seconds: the end of 31 August (UTC) of the year the records go. */
export function retainUntil(season: string, retentionYears: number = defaultRetentionYears): number {
  const year = seasonStartYear(season) + 1 + retentionYears;
  return Date.UTC(year, 8, 1) / 1000;
}
