import { BridgeError } from '../errors/bridge-error';
import { listResponse, parsePaging } from './list-response';

describe('parsePaging (RFC 7644 §3.4.2.4)', () => {
  it('when Okta probes with startIndex=1&count=2, then those are used', () => {
    expect(parsePaging({ startIndex: '1', count: '2' })).toEqual({ startIndex: 1, count: 2 });
  });

  it('when nothing is given, then startIndex 1 and count 100', () => {
    expect(parsePaging({})).toEqual({ startIndex: 1, count: 100 });
    expect(parsePaging({ startIndex: '', count: '' })).toEqual({ startIndex: 1, count: 100 });
  });

  it('when startIndex is below 1, then it is treated as 1', () => {
    expect(parsePaging({ startIndex: '0' }).startIndex).toBe(1);
    expect(parsePaging({ startIndex: '-5' }).startIndex).toBe(1);
  });

  it('when count is negative, then it is 0; when above the maximum, then it is capped', () => {
    expect(parsePaging({ count: '-1' }).count).toBe(0);
    expect(parsePaging({ count: '5000' }).count).toBe(1000);
    expect(parsePaging({ count: '50' }, 20).count).toBe(20);
    expect(parsePaging({}, 20).count).toBe(20);
  });

  it('when numbers arrive as numbers, then integers are accepted', () => {
    expect(parsePaging({ startIndex: 101, count: 100 })).toEqual({ startIndex: 101, count: 100 });
  });

  it.each([['abc'], ['1.5'], ['1e3'], [' 2x'], [1.5], [['1', '2']], [{}], [true]])('when a value is %j, then 400 invalidValue', (value) => {
    for (const query of [{ startIndex: value }, { count: value }]) {
      let caught: unknown;
      try {
        parsePaging(query);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(BridgeError);
      expect((caught as BridgeError).scimType).toBe('invalidValue');
    }
  });

  it('when the number is huge, then it is clamped rather than overflowing', () => {
    expect(parsePaging({ startIndex: '99999999999999999999999' }).startIndex).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('listResponse', () => {
  it('when there are no matches, then the body is the one Okta expects (the Okta SCIM 2.0 protocol reference)', () => {
    expect(listResponse([], 0, 1)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('when a page is returned, then itemsPerPage is its length and counters are integers', () => {
    const body = listResponse([{ id: 'a' }, { id: 'b' }], 250, 101);
    expect(body.itemsPerPage).toBe(2);
    expect(body.totalResults).toBe(250);
    expect(body.startIndex).toBe(101);
    for (const n of [body.itemsPerPage, body.totalResults, body.startIndex]) expect(Number.isInteger(n)).toBe(true);
  });
});
