// Event ids made at ingress when a client sends none: UUIDv7 (RFC 9562), time-ordered so ids sort by
// arrival. Node 20 has no v7 in crypto; this is the 48-bit ms time + 74 random bits layout.
import { randomFillSync } from 'node:crypto';

/** Random bytes drawn 256 ids at a time: one crypto call per id was 4% of ingress's CPU on batches. */
const POOL_IDS = 256;
const pool = Buffer.alloc(10 * POOL_IDS);
let poolAt = pool.length;

function randomTen(): Buffer {
  if (poolAt >= pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += 10;
  return pool.subarray(poolAt - 10, poolAt);
}

export function uuidv7(nowMs: number = Date.now(), random: Buffer = randomTen()): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
