import { PERMANENT_FAILURE_ADVICE } from '../jobs/job-decision';
import { failureAdvice } from './failure-advice';

describe('failure advice', () => {
  it.each([
    ['Secret Server refused the token grant for the API account: invalid_grant', PERMANENT_FAILURE_ADVICE.authentication],
    ["Secret Server user 7 (admin) is not the bridge's to claim: it is on SS_PROTECTED_USERS", PERMANENT_FAILURE_ADVICE.notClaimable],
    ['Secret Server user 9 (jd) already has this userName with another email; not linked', PERMANENT_FAILURE_ADVICE.notClaimable],
    ['Secret Server refused to disable user 3 (u1@example.com) and it is unchanged: ...', PERMANENT_FAILURE_ADVICE.refused],
    ['Secret Server refused membership changes of group 4 (Eng): not added [5], not removed []; ...', PERMANENT_FAILURE_ADVICE.refused],
    ['the Delinea Platform tenant lists no default, active Secret Server vault', PERMANENT_FAILURE_ADVICE.vault],
    ['Secret Server PATCH /api/v1/users/{id} answered 403: Access denied', PERMANENT_FAILURE_ADVICE.permission],
    ['Secret Server POST /api/v1/users answered 400: The EmailAddress field is not a valid e-mail address.', PERMANENT_FAILURE_ADVICE.rejected],
    ['something nobody foresaw', PERMANENT_FAILURE_ADVICE.other],
  ])('when the reason is %j, then the advice is the one its ERROR line gave', (reason, advice) => {
    expect(failureAdvice(reason)).toBe(advice);
  });

  it.each([
    'Secret Server GET /api/v1/users/{id} answered 503',
    'Secret Server GET /api/v1/users/{id} timed out after 15000 ms',
    'Secret Server GET /api/v1/users/{id} failed: ECONNREFUSED',
    'Secret Server GET /api/v1/users answered 200 with a non-JSON (HTML) body',
    'Secret Server circuit is open; GET /api/v1/users was not attempted',
  ])('when the reason is %j, then the advice is to check that Secret Server is reachable', (reason) => {
    expect(failureAdvice(reason)).toMatch(/^check that Secret Server is reachable/);
  });

  it('when a user has no email or a group waited for its members, then the advice says so', () => {
    expect(failureAdvice('The SCIM user has no email; Secret Server users are keyed on primary email')).toMatch(/map an email/);
    expect(failureAdvice('3 member(s) are not provisioned in Secret Server yet; will retry')).toMatch(/members never reached Secret Server/);
  });
});
