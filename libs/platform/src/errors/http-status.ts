import type { ErrorCode } from '@gm/contracts';

/** HTTP status of each error code. Exhaustive: a new code fails the build until it is mapped. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'REQUEST.VALIDATION_FAILED':
    case 'REQUEST.MALFORMED_BODY':
    case 'CASE.UNKNOWN_CATEGORY':
    case 'IMPORT.REJECTED':
      return 400;
    case 'AUTH.UNAUTHENTICATED':
      return 401;
    case 'AUTH.FORBIDDEN':
    case 'AUTH.OUT_OF_SCOPE':
      return 403;
    case 'CASE.NOT_FOUND':
    case 'REPORT.NOT_FOUND':
    case 'ATTACHMENT.NOT_FOUND':
    case 'REQUEST.ROUTE_NOT_FOUND':
    case 'GIS.OUTSIDE_DISTRICT':
    case 'UNIT.NOT_FOUND':
    case 'RESIDENT.NOT_FOUND':
    case 'BUILDING.NOT_FOUND':
    case 'HOUSE.NOT_FOUND':
    case 'HOUSEHOLD.NOT_FOUND':
    case 'CITY_OBJECT.NOT_FOUND':
    case 'ORGANISATION.NOT_FOUND':
    case 'WORKER.NOT_FOUND':
    case 'PATROL.NOT_FOUND':
    case 'HANDOVER.NOT_FOUND':
    case 'DEPARTMENT.NOT_FOUND':
    case 'SUBSCRIPTION.NOT_FOUND':
    case 'DELIVERY.NOT_FOUND':
    case 'WORK_ORDER.NOT_FOUND':
    case 'SERVICE_REQUEST.NOT_FOUND':
    case 'NOTICE.NOT_FOUND':
    case 'MESSAGE.NOT_FOUND':
    case 'DEPARTMENT_COMMAND.NOT_FOUND':
    case 'SERVICE_CODE.NOT_FOUND':
    case 'PROPOSAL.NOT_FOUND':
      return 404;
    case 'CASE.IDEMPOTENCY_CONFLICT':
    case 'CASE.TRANSITION_FORBIDDEN':
    case 'CASE.REOPEN_WINDOW_PASSED':
    case 'CASE.ALREADY_RATED':
    case 'CASE.EXTENSION_PENDING':
    case 'CASE.NO_EXTENSION_REQUEST':
    case 'CASE.MERGE_TARGET_INVALID':
    case 'CASE.NO_PARENT_TIER':
    case 'CASE.NO_CHILD_TIER':
    case 'CASE.OWNED_BY_OTHER_TIER':
    case 'PARAMETER.VERSION_CONFLICT':
    case 'PATROL.ENDED':
    case 'HANDOVER.ENDED':
    case 'HANDOVER.NO_PARTNER':
    case 'PROPOSAL.DECIDED':
    case 'DIARY.SUBMITTED':
    case 'WORK_ORDER.STEP_NOT_ALLOWED':
    case 'SERVICE_REQUEST.STEP_NOT_ALLOWED':
    case 'NOTICE.NO_RETURN':
    case 'RESIDENT.ALREADY_REGISTERED':
    case 'RESIDENT.NOT_ACTIVE':
    case 'BASE_DATA.NOT_OWNER':
      return 409;
    case 'REQUEST.BODY_TOO_LARGE':
      return 413;
    case 'REQUEST.UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'REQUEST.RATE_LIMITED':
      return 429;
    case 'ATTACHMENT.BAD_COPY':
      return 502;
    case 'SERVICE.UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
  }
}
