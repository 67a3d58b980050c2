import { clusterSlot, crc16, hashedPart } from './cluster-slot';

describe('clusterSlot', () => {
  it("when given the cluster spec's reference input, then the CRC16 is 0x31C3", () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
  });

  it('when a key has a hash tag, then only the tag decides its slot', () => {
    expect(hashedPart('scimbridge:{default}:user:1')).toBe('default');
    expect(clusterSlot('scimbridge:{default}:user:1')).toBe(clusterSlot('other:{default}:bull:provision:wait'));
  });

  it('when the braces are empty or unclosed, then the whole key is hashed (cluster spec)', () => {
    expect(hashedPart('a{}b')).toBe('a{}b');
    expect(hashedPart('a{b')).toBe('a{b');
    expect(hashedPart('{}{x}')).toBe('{}{x}');
    expect(hashedPart('x{a}{b}')).toBe('a');
  });

  it('when keys are the documented examples, then their slots are the ones Redis gives', () => {
    // CLUSTER KEYSLOT foo -> 12182, CLUSTER KEYSLOT somekey -> 11058 (https://redis.io/docs/latest/commands/cluster-keyslot/)
    expect(clusterSlot('foo')).toBe(12182);
    expect(clusterSlot('somekey')).toBe(11058);
  });
});
