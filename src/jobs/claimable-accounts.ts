import { SecretServerAccountNotClaimableError, SecretServerAccountOwnedElsewhereError } from '../secret-server/secret-server-errors';
import type { SecretServerGroup, SecretServerUser } from '../secret-server/secret-server-client';
import type { AccountOwnerCheck } from '../directories/account-owners';

/** The parts of a Secret Server user that decide whether the bridge may claim it. */
export type AccountFacts = Pick<SecretServerUser, 'id' | 'userName' | 'emailAddress'> & { isApplicationAccount?: boolean };

/**
 * Which Secret Server accounts the bridge may link, change, disable or regroup: never an
 * application account, never the API account it signs in with (disabling it would stop all
 * provisioning), never one named on SS_PROTECTED_USERS (break-glass and administrator accounts,
 * whose email would otherwise open a password-reset route to whoever holds the SCIM token), and
 * never one that another directory targeting the same Secret Server linked first (account-owners.ts).
 */
export class ClaimableAccounts {
  private readonly protectedNames: Set<string>;

  constructor(
    protectedUsers: readonly string[],
    private readonly apiAccount: () => Promise<Pick<SecretServerUser, 'id' | 'userName'>>,
    /** Absent in unit tests of one directory: then every account is this directory's. */
    private readonly owners?: AccountOwnerCheck,
  ) {
    this.protectedNames = new Set(protectedUsers.map((name) => name.trim().toLowerCase()).filter((name) => name !== ''));
  }

  /** SS_PROTECTED_USERS: comma-separated userNames or emails. */
  static parseList(value: string): string[] {
    return value
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
  }

  /** Why the bridge may not claim this account, or undefined when it may. */
  async refusalFor(account: AccountFacts): Promise<string | undefined> {
    return this.refusalGiven(account, await this.apiAccount());
  }

  /** A synchronous check for many accounts at once (the import): the API account is read first. */
  async claimablePredicate(): Promise<(account: AccountFacts) => boolean> {
    const refusal = await this.refusalCheck();
    return (account) => refusal(account) === undefined;
  }

  /** refusalFor for many accounts at once (the drift report): the API account is read first. */
  async refusalCheck(): Promise<(account: AccountFacts) => string | undefined> {
    const api = await this.apiAccount();
    return (account) => this.refusalGiven(account, api);
  }

  /** True for the API account and SS_PROTECTED_USERS, from what a member list shows (no call beyond the cached API account). */
  async isProtectedMember(member: { userId: number; userName?: string | null }): Promise<boolean> {
    if (member.userName && this.protectedNames.has(member.userName.toLowerCase())) return true;
    return (await this.apiAccount()).id === member.userId;
  }

  /** True when any of these userNames or emails is on SS_PROTECTED_USERS (no call): such a create is always searched first. */
  namesProtected(...names: string[]): boolean {
    return names.some((name) => this.protectedNames.has(name.toLowerCase()));
  }

  /** Throws a permanent failure, before any write, when the account may not be claimed (the worker logs it as one WARN). */
  async assertClaimable(account: AccountFacts): Promise<void> {
    const reason = await this.refusalFor(account);
    if (reason) {
      throw new SecretServerAccountNotClaimableError(
        `Secret Server user ${account.id} (${account.userName}) is not the bridge's to claim: ${reason}`,
        account.id,
        reason,
      );
    }
    await this.assertOwned('User', account.id, `user ${account.id} (${account.userName})`);
  }

  /** Throws a permanent failure, before any write, when another directory linked this group first. */
  async assertGroupClaimable(group: Pick<SecretServerGroup, 'id' | 'name'>): Promise<void> {
    await this.assertOwned('Group', group.id, `group ${group.id} (${group.name})`);
  }

  /**
   * A user or group this directory has just created is its own, whatever an earlier record says:
   * a restored server hands out ids again, so a record for this id was about another account.
   */
  async recordCreated(kind: 'User' | 'Group', secretServerId: number): Promise<void> {
    // SS_DRY_RUN answers with made-up negative ids, which name no account.
    if (secretServerId > 0) await this.owners?.recordCreated(kind, secretServerId);
  }

  private async assertOwned(kind: 'User' | 'Group', id: number, what: string): Promise<void> {
    if (!this.owners || id <= 0) return;
    const owner = await this.owners.claim(kind, id);
    if (owner === this.owners.directory) return;
    throw new SecretServerAccountOwnedElsewhereError(
      `Secret Server ${what} is not the bridge's to claim for directory "${this.owners.directory}": directory "${owner}" linked it first`,
      id,
      owner,
    );
  }

  private refusalGiven(account: AccountFacts, api: Pick<SecretServerUser, 'id' | 'userName'>): string | undefined {
    if (account.isApplicationAccount) return 'it is an application account';
    if (this.isProtectedName(account)) return 'it is on SS_PROTECTED_USERS';
    if (api.id === account.id || api.userName.toLowerCase() === account.userName.toLowerCase()) return 'it is the API account the bridge signs in with';
    return undefined;
  }

  private isProtectedName(account: AccountFacts): boolean {
    if (this.protectedNames.has(account.userName.toLowerCase())) return true;
    return !!account.emailAddress && this.protectedNames.has(account.emailAddress.toLowerCase());
  }
}
