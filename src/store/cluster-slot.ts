/**
 * The Redis Cluster hash slot of a key, as every cluster node computes it: CRC16 (XMODEM) of the
 * key, or of its hash tag (the text between the first `{` and the next `}`, when not empty),
 * modulo 16384 (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#key-distribution-model).
 */
export const CLUSTER_SLOTS = 16384;

const CRC16_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

/** CRC16-CCITT (XMODEM), the variant of the cluster spec (its reference value: "123456789" -> 0x31C3). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]) & 0xffff;
  return crc;
}

/** The part of `key` that decides its slot: its hash tag, or the whole key. */
export function hashedPart(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

export function clusterSlot(key: string): number {
  return crc16(Buffer.from(hashedPart(key), 'utf8')) % CLUSTER_SLOTS;
}
