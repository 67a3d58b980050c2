import { parseDuration } from '../../src/domain/token-service';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['300ms', 300],
    [' 24h ', 86_400_000],
  ])('when given "%s", then it returns %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['', '24', '1.5h', '-1h', '24x', 'h', '1h30m', '99999999999999999999d'])('when given "%s", then it throws naming the value', (input) => {
    expect(() => parseDuration(input)).toThrow(`"${input}"`);
  });
});
