/**
 * Secret Server REST API v1 wire types (camelCase JSON), as the 11.x swagger's models name them
 * (PagingOf*, UserSummary, UserModel, UserCreateArgs, GroupModel; the wire names are those of
 * the OpenAPI-generated clients' attribute maps; the model pages named below are those of
 * figovskymaria/authomize-python-provider-secret-server, branch secret_server,
 * secret__server_provider/openapi_client/docs/) and as thycotic.secretserver's
 * `classes/users/*.cs` and `classes/groups/*.cs` read them. Only this folder sees them:
 * secret-server-mapping.ts turns them into the domain-shaped types the rest of the bridge uses.
 * Fields the bridge never reads are kept optional so a leaner server answer still type-checks.
 */

export type Severity = 'None' | 'Retry' | 'Warn' | 'Critical' | 'Fatal';

export interface SortSpec {
  name: string;
  direction: 'None' | 'Asc' | 'Desc' | 'asc' | 'desc';
  priority: number;
}

/** `PagingOf<T>` (PagingOfUserSummary.md and its siblings). */
export interface Paging<T> {
  records: T[];
  total: number;
  skip: number;
  take: number;
  hasNext: boolean;
  hasPrev: boolean;
  nextSkip: number;
  prevSkip: number;
  pageCount: number;
  currentPage: number;
  batchCount: number;
  sortBy?: SortSpec[];
  success: boolean;
  severity: Severity;
}

export type ExternalUserSource = 'None' | 'ThycoticOne' | 'Azure' | 'Platform';

/** Records of GET /api/v1/users (UserSummary.md; thycotic.secretserver classes/users/Summary.cs). */
export interface UserSummary {
  id: number;
  userName: string;
  displayName: string | null;
  emailAddress: string | null;
  enabled: boolean;
  isLockedOut?: boolean;
  isApplicationAccount?: boolean;
  domainId: number;
  domainName?: string | null;
  created?: string;
  lastLogin?: string | null;
  loginFailures?: number;
  externalUserSource?: ExternalUserSource;
  platformIntegrationType?: 'None' | 'Native' | 'Hybrid';
  twoFactorMethod?: string;
}

/** GET/POST/PUT/PATCH /api/v1/users/{id} (UserModel.md; thycotic.secretserver classes/users/User.cs). */
export interface UserModel extends UserSummary {
  lockOutReason?: string | null;
  lockOutReasonDescription?: string | null;
  adGuid?: string | null;
  adAccountExpires?: string | null;
  twoFactor?: boolean;
  duoTwoFactor?: boolean;
  oathTwoFactor?: boolean;
  oathVerified?: boolean;
  radiusTwoFactor?: boolean;
  radiusUserName?: string | null;
  fido2TwoFactor?: boolean;
  isEmailCopiedFromAD?: boolean;
  isEmailVerified?: boolean;
  mustVerifyEmail?: boolean;
  verifyEmailSentDate?: string | null;
  lastSessionActivity?: string | null;
  passwordLastChanged?: string | null;
  resetSessionStarted?: string | null;
  dateOptionId?: number;
  timeOptionId?: number;
  userLcid?: number;
  personalGroupId?: number;
  slackId?: string | null;
  unixAuthenticationMethod?: string;
  ipAddressRestrictions?: unknown[] | null;
}

/** Body of POST /api/v1/users (UserCreateArgs.md). userName, displayName and password are required. */
export interface UserCreateArgs {
  userName: string;
  displayName: string;
  password: string;
  enabled?: boolean;
  emailAddress?: string | null;
  domainId?: number;
  adGuid?: string | null;
  isApplicationAccount?: boolean;
  twoFactor?: boolean;
  radiusTwoFactor?: boolean;
  radiusUserName?: string | null;
  oathTwoFactor?: boolean;
  duoTwoFactor?: boolean;
  fido2TwoFactor?: boolean;
  unixAuthenticationMethod?: string;
}

/** One field of a PATCH body (PatchUserModel.md): only fields sent with dirty:true are applied (thycotic.secretserver Disable-TssUser.ps1). */
export interface DirtyValue<T> {
  dirty: boolean;
  value: T;
}

/** Body of PATCH /api/v1/users/{id} (`PatchUserModel`, the subset the bridge sends). */
export interface PatchUserModel {
  id?: number;
  displayName?: DirtyValue<string>;
  emailAddress?: DirtyValue<string | null>;
  enabled?: DirtyValue<boolean>;
  isLockedOut?: DirtyValue<boolean>;
  password?: DirtyValue<string>;
}

/** Records of GET /api/v1/groups (GroupSummary.md; thycotic.secretserver classes/groups/Summary.cs). */
export interface GroupSummary {
  id: number;
  name: string;
  enabled: boolean;
  domainId: number | null;
  domainName?: string | null;
  domainGuid?: string | null;
  memberCount?: number;
  created?: string;
  synchronized?: boolean;
  synchronizeNow?: boolean;
  isPlatform?: boolean;
}

/** GET/POST/PUT/PATCH /api/v1/groups/{id} (GroupModel.md; thycotic.secretserver classes/groups/Group.cs). */
export interface GroupModel {
  id: number;
  name: string;
  enabled: boolean;
  domainId: number | null;
  domainName?: string | null;
  adGuid?: string | null;
  created?: string;
  synchronized?: boolean;
  synchronizeNow?: boolean;
  systemGroup?: boolean;
  isPlatform?: boolean;
  /** False for directory-services groups; populated on a single group get. */
  canEditMembers?: boolean;
  isEditable?: boolean;
  hasGroupOwners?: boolean;
  ownerGroups?: Record<string, string> | null;
  ownerUsers?: Record<string, string> | null;
  owners?: Array<{ groupId: number | null; userId: number | null; name: string }> | null;
  ipAddressRestrictions?: unknown[] | null;
}

export interface GroupCreateArgs {
  name: string;
  enabled: boolean;
  domainId?: number | null;
  adGuid?: string | null;
  hasGroupOwners?: boolean;
  synchronized?: boolean;
  synchronizeNow?: boolean;
}

/** Inner model of PATCH /api/v1/groups/{id}, sent as `{ data: GroupPatchModel }`. */
export interface GroupPatchModel {
  name?: DirtyValue<string>;
  enabled?: DirtyValue<boolean>;
}

/** Records of GET /api/v1/groups/{id}/users and GET /api/v1/users/{id}/groups (GroupUserSummary.md). */
export interface GroupUserSummary {
  groupId: number;
  groupName: string;
  groupDomainId?: number | null;
  groupDomainName?: string | null;
  userId: number;
  userName: string;
  displayName: string | null;
  enabled: boolean;
  userDomainId?: number | null;
  userDomainName?: string | null;
}

/** Body of PATCH /api/v1/groups/{id}/users (note `added…` vs `remove…`, GroupMembershipPatchModel.md). */
export interface GroupMembershipPatchModel {
  addedUserIds: number[];
  removeUserIds: number[];
}

/** DELETE answers. */
export interface DeletedModel {
  id: number;
  objectType: string;
  responseCodes: unknown[] | null;
}

/** POST {base}/oauth2/token answer (thycotic.secretserver classes/authentication/Session.cs, ApiTokenResponse). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
}

/** 400 `BadRequestResponse` (BadRequestResponse.md). */
export interface BadRequestResponse {
  message: string;
  messageDetail?: string;
  errorCode?: string;
  modelState?: Record<string, string[]>;
}

/** 500 `InternalServerErrorResponse` (InternalServerErrorResponse.md). */
export interface InternalServerErrorResponse {
  message: string;
  exceptionMessage?: string;
  exceptionType?: string;
  stackTrace?: string;
}
