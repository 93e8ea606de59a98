// Event ids made at ingress when a client sends none: UUIDv7 (RFC 9562), time-ordered so ids sort by
// arrival. Node 20 has no v7 in crypto; this is the 48-bit ms time + 74 random bits layout.
import { randomBytes } from 'node:crypto';

export function uuidv7(nowMs: number = Date.now(), random: Buffer = randomBytes(10)): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
