import type { TokenVerifier } from '../http/auth-middleware';

/**
 * Several kinds of bearer credential on one surface: the first verifier that accepts the token
 * wins, in the order given (the stored SCIM tokens first, then OAuth access tokens). Each
 * verifier refuses a token of another kind by its prefix, without a Redis call.
 */
export class CompositeTokenVerifier implements TokenVerifier {
  constructor(private readonly verifiers: readonly TokenVerifier[]) {}

  async verify(presented: string): Promise<{ tokenId: string } | null> {
    for (const verifier of this.verifiers) {
      const verified = await verifier.verify(presented);
      if (verified) return verified;
    }
    return null;
  }
}
