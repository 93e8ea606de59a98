// Values as a Lua script returns them through ioredis. Hot paths read several keys in one script call (the
// client's cost is per command: a call and a reply each), so replies come back nested and in Redis's raw shapes.

/** A hash as HGETALL inside a script returns it (field, value, field, value, …), as an object. */
export function hashFromPairs(pairs: readonly string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) hash[pairs[i]] = pairs[i + 1];
  return hash;
}
