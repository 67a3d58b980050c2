import { presentedCredential } from './auth-middleware';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('presentedCredential', () => {
  it.each([
    [`Basic ${base64('scb-0123456789:secret')}`, { kind: 'basic', username: 'scb-0123456789', password: 'secret' }],
    [`basic ${base64('scb-0123456789:secret')}`, { kind: 'basic', username: 'scb-0123456789', password: 'secret' }],
    [`  BASIC   ${base64('user:pa:ss')}  `, { kind: 'basic', username: 'user', password: 'pa:ss' }],
    [`Basic ${base64('jörg:pässwört')}`, { kind: 'basic', username: 'jörg', password: 'pässwört' }],
    ['Bearer scb_abc', { kind: 'bearer', token: 'scb_abc' }],
    ['bearer   scb_abc ', { kind: 'bearer', token: 'scb_abc' }],
    ['scb_abc', { kind: 'bearer', token: 'scb_abc' }],
    ['basicscb_abc', { kind: 'bearer', token: 'basicscb_abc' }],
    [undefined, { kind: 'none' }],
    ['', { kind: 'none' }],
    ['Digest username="x"', { kind: 'none' }],
  ])('when Authorization is %j, then it reads %j', (header, expected) => {
    expect(presentedCredential(header)).toEqual(expected);
  });

  it.each([
    ['Basic'],
    ['Basic '],
    ['Basic not*base64'],
    ['Basic abc'],
    [`Basic ${base64('no-colon')}`],
    [`Basic ${base64(':password')}`],
    [`Basic ${base64('user:')}`],
    [`Basic ${base64('user:pass\nword')}`],
    [`Basic ${base64('user:pass').replace(/=+$/, '')}x`],
    [`Basic ${Buffer.from([0x75, 0x3a, 0xc3, 0x28]).toString('base64')}`],
    [`Basic ${base64(`user:${'p'.repeat(600)}`)}`],
    [`Basic ${base64('user:pass')} ${base64('user:pass')}`],
  ])('when Authorization is %j, then it is malformed Basic', (header) => {
    expect(presentedCredential(header)).toEqual({ kind: 'malformed-basic' });
  });
});
