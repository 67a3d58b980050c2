import { displayNameFor, nameFromEmail, secretServerUserName, splitDisplayName } from './name-filling';

describe('name filling', () => {
  it('when the email is jane.doe@x.com, then the derived name is Jane Doe', () => {
    expect(nameFromEmail('jane.doe@x.com')).toBe('Jane Doe');
    expect(nameFromEmail('JOHN_SMITH+okta@x.com')).toBe('John Smith');
  });

  it('when given and family names are blank, then the displayName comes from the email', () => {
    expect(displayNameFor({ userName: 'u', name: { givenName: '', familyName: ' ' } }, 'jane.doe@x.com')).toBe('Jane Doe');
  });

  it('when displayName is set, then it wins; else given + family', () => {
    expect(displayNameFor({ displayName: 'JD', name: { givenName: 'Jane', familyName: 'Doe' } }, 'a@b.c')).toBe('JD');
    expect(displayNameFor({ name: { givenName: 'Jane', familyName: 'Doe' } }, 'a@b.c')).toBe('Jane Doe');
  });

  it('when nothing at all is known, then the name is still not blank', () => {
    expect(displayNameFor({}, undefined)).toBe('Unnamed User');
  });

  it('when the format is email-local-part, then the SS userName is the local part', () => {
    expect(secretServerUserName('email-local-part', 'Jane@X.com', 'jane.doe@x.com')).toBe('jane.doe');
    expect(secretServerUserName('email', 'Jane@X.com', 'jane.doe@x.com')).toBe('jane.doe@x.com');
    expect(secretServerUserName('scim-username', 'Jane@X.com', 'jane.doe@x.com')).toBe('Jane@X.com');
  });

  it('when a display name has one word, then the family name is the placeholder', () => {
    expect(splitDisplayName('Cher', {}, '-')).toEqual({ givenName: 'Cher', familyName: '-', formatted: 'Cher' });
    expect(splitDisplayName('Jane van der Berg', {}, '-').familyName).toBe('van der Berg');
    expect(splitDisplayName('', { email: 'jane.doe@x.com' }, '-')).toMatchObject({ givenName: 'Jane', familyName: 'Doe' });
    expect(splitDisplayName(null, { userName: 'svc' }, 'N/A')).toMatchObject({ givenName: 'svc', familyName: 'N/A' });
  });
});
