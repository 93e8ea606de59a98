// Steps of a composed Lua script. The client's cost is per command, so what happens together for an event
// (several stores' reads, or their writes and the live update that follows) is one script call: each store
// gives the Lua function of its step and the step's keys and arguments, and the script runs the steps in order.
import type { Redis } from '@switchboard/store';

/** One step's KEYS and ARGV, as its Lua function takes them (two tables: `function step(k, a)`). */
export interface ScriptStep {
  keys: string[];
  args: string[];
}

/**
 * Lua: `take()` returns the next step's keys and arguments (two tables), in the order `runSteps` was given
 * them. A step whose outcome makes a later one pointless is still taken, so that the steps after it line up.
 */
export const TAKE_STEP = `
local taken_keys, taken_args = 0, 0
local function take()
  local nk, na = tonumber(ARGV[taken_args + 1]), tonumber(ARGV[taken_args + 2])
  local k, a = {}, {}
  for i = 1, nk do k[i] = KEYS[taken_keys + i] end
  for i = 1, na do a[i] = ARGV[taken_args + 2 + i] end
  taken_keys, taken_args = taken_keys + nk, taken_args + 2 + na
  return k, a
end
`;

/** A step of numbers only (counts, flags) that tells a script how many of the next steps there are. */
export const countsStep = (...counts: number[]): ScriptStep => ({ keys: [], args: counts.map(String) });

/** Runs a script (built with TAKE_STEP) over its steps in one call. */
export async function runSteps<T>(redis: Redis, script: string, steps: ScriptStep[]): Promise<T> {
  const keys: string[] = [];
  const args: string[] = [];
  for (const step of steps) {
    keys.push(...step.keys);
    args.push(String(step.keys.length), String(step.args.length), ...step.args);
  }
  return (await redis.eval(script, keys.length, ...keys, ...args)) as T;
}
