import { formatTable, shortTime } from '../../src/cli/table';

describe('formatTable', () => {
  it('when rows are wider than the titles, then every column is as wide as its widest cell and the last one is not padded', () => {
    expect(
      formatTable(
        ['ID', 'NAME', 'NOTE'],
        [
          ['a1', 'okta', 'x'],
          ['b', 'entra-id', 'longer note'],
        ],
      ),
    ).toEqual(['ID  NAME      NOTE', 'a1  okta      x', 'b   entra-id  longer note']);
  });

  it('when a cell holds line breaks, then it is kept on one line so the columns hold', () => {
    expect(formatTable(['ID', 'REASON'], [['j1', 'refused\n  at step 2\r\nby the server']])).toEqual(['ID  REASON', 'j1  refused at step 2 by the server']);
  });

  it('when there are no rows, then the header is still laid out', () => {
    expect(formatTable(['ID', 'NAME'], [])).toEqual(['ID  NAME']);
  });
});

describe('shortTime', () => {
  it('when given an ISO time, then it drops the T and the milliseconds and keeps the Z', () => {
    expect(shortTime('2024-05-01T12:00:00.123Z')).toBe('2024-05-01 12:00:00Z');
  });
});
