import { ERROR_CODES, type ErrorCode } from '@gm/contracts';
import { httpStatusOf } from './http-status';

describe('httpStatusOf', () => {
  it.each(ERROR_CODES.map((c) => [c]))('maps %s to a 4xx or 5xx status', (code) => {
    const status = httpStatusOf(code);
    expect(Number.isInteger(status)).toBe(true);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(600);
  });

  const expected: Record<ErrorCode, number> = {
    'REQUEST.VALIDATION_FAILED': 400,
    'REQUEST.MALFORMED_BODY': 400,
    'REQUEST.BODY_TOO_LARGE': 413,
    'REQUEST.UNSUPPORTED_MEDIA_TYPE': 415,
    'REQUEST.ROUTE_NOT_FOUND': 404,
    'REQUEST.RATE_LIMITED': 429,
    'AUTH.UNAUTHENTICATED': 401,
    'AUTH.FORBIDDEN': 403,
    'AUTH.OUT_OF_SCOPE': 403,
    'CASE.UNKNOWN_CATEGORY': 400,
    'CASE.NOT_FOUND': 404,
    'CASE.IDEMPOTENCY_CONFLICT': 409,
    'CASE.TRANSITION_FORBIDDEN': 409,
    'CASE.REOPEN_WINDOW_PASSED': 409,
    'CASE.ALREADY_RATED': 409,
    'CASE.EXTENSION_PENDING': 409,
    'CASE.NO_EXTENSION_REQUEST': 409,
    'CASE.MERGE_TARGET_INVALID': 409,
    'CASE.NO_PARENT_TIER': 409,
    'CASE.NO_CHILD_TIER': 409,
    'CASE.OWNED_BY_OTHER_TIER': 409,
    'PARAMETER.VERSION_CONFLICT': 409,
    'REPORT.NOT_FOUND': 404,
    'ATTACHMENT.NOT_FOUND': 404,
    'GIS.OUTSIDE_DISTRICT': 404,
    'UNIT.NOT_FOUND': 404,
    'IMPORT.REJECTED': 400,
    'RESIDENT.NOT_FOUND': 404,
    'RESIDENT.ALREADY_REGISTERED': 409,
    'RESIDENT.NOT_ACTIVE': 409,
    'HOUSE.NOT_FOUND': 404,
    'HOUSEHOLD.NOT_FOUND': 404,
    'CITY_OBJECT.NOT_FOUND': 404,
    'ORGANISATION.NOT_FOUND': 404,
    'BASE_DATA.NOT_OWNER': 409,
    'BUILDING.NOT_FOUND': 404,
    'WORKER.NOT_FOUND': 404,
    'PATROL.NOT_FOUND': 404,
    'PATROL.ENDED': 409,
    'HANDOVER.NOT_FOUND': 404,
    'DEPARTMENT.NOT_FOUND': 404,
    'SUBSCRIPTION.NOT_FOUND': 404,
    'DELIVERY.NOT_FOUND': 404,
    'WORK_ORDER.NOT_FOUND': 404,
    'WORK_ORDER.STEP_NOT_ALLOWED': 409,
    'SERVICE_REQUEST.NOT_FOUND': 404,
    'SERVICE_REQUEST.STEP_NOT_ALLOWED': 409,
    'NOTICE.NOT_FOUND': 404,
    'NOTICE.NO_RETURN': 409,
    'MESSAGE.NOT_FOUND': 404,
    'DEPARTMENT_COMMAND.NOT_FOUND': 404,
    'SERVICE_CODE.NOT_FOUND': 404,
    'HANDOVER.ENDED': 409,
    'HANDOVER.NO_PARTNER': 409,
    'PROPOSAL.NOT_FOUND': 404,
    'PROPOSAL.DECIDED': 409,
    'DIARY.SUBMITTED': 409,
    'ATTACHMENT.BAD_COPY': 502,
    'SERVICE.UNAVAILABLE': 503,
    INTERNAL: 500,
  };

  it.each(Object.entries(expected))('maps %s to %d', (code, status) => {
    expect(httpStatusOf(code as ErrorCode)).toBe(status);
  });

  it('covers exactly the ERROR_CODES in this table', () => {
    expect(Object.keys(expected).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('answers 5xx only for server-side failures', () => {
    const serverSide = ERROR_CODES.filter((c) => httpStatusOf(c) >= 500).sort();
    expect(serverSide).toEqual(['ATTACHMENT.BAD_COPY', 'INTERNAL', 'SERVICE.UNAVAILABLE']);
  });

  it('tells unauthenticated (401) from forbidden (403)', () => {
    expect(httpStatusOf('AUTH.UNAUTHENTICATED')).toBe(401);
    expect(httpStatusOf('AUTH.FORBIDDEN')).toBe(403);
    expect(httpStatusOf('AUTH.OUT_OF_SCOPE')).toBe(403);
  });
});
