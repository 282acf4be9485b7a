const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuid columns: anything else (a stale cookie, a typo) is simply not stored. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
