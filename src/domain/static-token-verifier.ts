import crypto from 'node:crypto';

/**
 * Accepts one configured secret (ADMIN_TOKEN), compared in constant time over SHA-256 digests so
 * the comparison time says nothing about the secret's length or content. Empty secret: nobody.
 */
export class StaticTokenVerifier {
  private readonly expected?: Buffer;

  constructor(secret: string) {
    if (secret) this.expected = crypto.createHash('sha256').update(secret).digest();
  }

  async verify(presented: string): Promise<{ tokenId: string } | null> {
    if (!this.expected) return null;
    const actual = crypto.createHash('sha256').update(presented).digest();
    return crypto.timingSafeEqual(actual, this.expected) ? { tokenId: 'admin' } : null;
  }
}
