import { generateLocalUserPassword } from '../../src/secret-server/password-generator';
import { meetsPasswordPolicy } from '../../simulator/users-routes';

describe('generateLocalUserPassword', () => {
  it('when generated many times, then every password has 32 characters with upper, lower, digit and symbol', () => {
    for (let i = 0; i < 500; i++) {
      const pw = generateLocalUserPassword();
      expect(pw).toHaveLength(32);
      expect(pw).toMatch(/[A-Z]/);
      expect(pw).toMatch(/[a-z]/);
      expect(pw).toMatch(/[0-9]/);
      expect(pw).toMatch(/[^A-Za-z0-9]/);
      expect(meetsPasswordPolicy(pw)).toBe(true);
    }
  });

  it('when generated twice, then the passwords differ', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateLocalUserPassword()));

    expect(seen.size).toBe(200);
  });

  it('when generated, then the guaranteed upper/lower/digit/symbol are shuffled rather than left in front', () => {
    const unshuffled = Array.from({ length: 200 }, () => generateLocalUserPassword()).filter((pw) => /^[A-Z][a-z][0-9][^A-Za-z0-9]/.test(pw));

    expect(unshuffled.length).toBeLessThan(20);
  });
});
