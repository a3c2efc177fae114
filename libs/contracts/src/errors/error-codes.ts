import { z } from 'zod';

/**
 * Stable error codes. They cross process boundaries (HTTP bodies, NATS replies) and never
 * change once shipped. Every code has a Chinese and an English message for users; the
 * transport mapping (HTTP status) is an exhaustive switch in libs/platform.
 */
export const ERROR_CODES = [
  'REQUEST.VALIDATION_FAILED',
  'REQUEST.MALFORMED_BODY',
  'REQUEST.BODY_TOO_LARGE',
  'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  'REQUEST.ROUTE_NOT_FOUND',
  'REQUEST.RATE_LIMITED',
  'AUTH.UNAUTHENTICATED',
  'AUTH.FORBIDDEN',
  'AUTH.OUT_OF_SCOPE',
  'CASE.UNKNOWN_CATEGORY',
  'CASE.NOT_FOUND',
  'CASE.IDEMPOTENCY_CONFLICT',
  'CASE.TRANSITION_FORBIDDEN',
  'CASE.REOPEN_WINDOW_PASSED',
  'CASE.ALREADY_RATED',
  'CASE.EXTENSION_PENDING',
  'CASE.NO_EXTENSION_REQUEST',
  'CASE.MERGE_TARGET_INVALID',
  'CASE.NO_PARENT_TIER',
  'CASE.NO_CHILD_TIER',
  'CASE.OWNED_BY_OTHER_TIER',
  'REPORT.NOT_FOUND',
  'ATTACHMENT.NOT_FOUND',
  'ATTACHMENT.BAD_COPY',
  'PARAMETER.VERSION_CONFLICT',
  'GIS.OUTSIDE_DISTRICT',
  'UNIT.NOT_FOUND',
  'IMPORT.REJECTED',
  'RESIDENT.NOT_FOUND',
  'RESIDENT.ALREADY_REGISTERED',
  'RESIDENT.NOT_ACTIVE',
  'BUILDING.NOT_FOUND',
  'HOUSE.NOT_FOUND',
  'HOUSEHOLD.NOT_FOUND',
  'CITY_OBJECT.NOT_FOUND',
  'ORGANISATION.NOT_FOUND',
  'BASE_DATA.NOT_OWNER',
  'WORKER.NOT_FOUND',
  'PATROL.NOT_FOUND',
  'PATROL.ENDED',
  'HANDOVER.NOT_FOUND',
  'DEPARTMENT.NOT_FOUND',
  'SUBSCRIPTION.NOT_FOUND',
  'DELIVERY.NOT_FOUND',
  'WORK_ORDER.NOT_FOUND',
  'WORK_ORDER.STEP_NOT_ALLOWED',
  'SERVICE_REQUEST.NOT_FOUND',
  'SERVICE_REQUEST.STEP_NOT_ALLOWED',
  'NOTICE.NOT_FOUND',
  'NOTICE.NO_RETURN',
  'MESSAGE.NOT_FOUND',
  'DEPARTMENT_COMMAND.NOT_FOUND',
  'SERVICE_CODE.NOT_FOUND',
  'HANDOVER.ENDED',
  'HANDOVER.NO_PARTNER',
  'PROPOSAL.NOT_FOUND',
  'PROPOSAL.DECIDED',
  'DIARY.SUBMITTED',
  'SERVICE.UNAVAILABLE',
  'INTERNAL',
] as const;
export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const ERROR_MESSAGES: Record<ErrorCode, { readonly zh: string; readonly en: string }> = {
  'REQUEST.VALIDATION_FAILED': { zh: '请求参数校验未通过', en: 'The request did not pass validation' },
  'REQUEST.MALFORMED_BODY': { zh: '请求体不是有效的 JSON', en: 'The request body is not valid JSON' },
  'REQUEST.BODY_TOO_LARGE': { zh: '请求体过大', en: 'The request body is too large' },
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': { zh: '不支持的内容类型', en: 'Unsupported content type' },
  'REQUEST.ROUTE_NOT_FOUND': { zh: '接口不存在', en: 'No such endpoint' },
  'REQUEST.RATE_LIMITED': { zh: '请求过于频繁，请稍后再试', en: 'Too many requests; try again later' },
  'AUTH.UNAUTHENTICATED': { zh: '未登录或令牌无效', en: 'Missing or invalid access token' },
  'AUTH.FORBIDDEN': { zh: '无权执行此操作', en: 'Your role may not do this' },
  'AUTH.OUT_OF_SCOPE': { zh: '超出本人所属组织范围', en: 'Outside your org unit' },
  'CASE.UNKNOWN_CATEGORY': { zh: '未知的事部件类别', en: 'Unknown category' },
  'CASE.NOT_FOUND': { zh: '案件不存在', en: 'No such case' },
  'CASE.IDEMPOTENCY_CONFLICT': {
    zh: '该 clientId 已用于另一份不同的上报',
    en: 'This clientId was already used for a different report',
  },
  'CASE.TRANSITION_FORBIDDEN': { zh: '案件当前状态不允许此操作', en: 'The case is not in a state that allows this action' },
  'CASE.REOPEN_WINDOW_PASSED': { zh: '已超过可重新打开的期限', en: 'The time to reopen this case has passed' },
  'CASE.ALREADY_RATED': { zh: '该案件已评价', en: 'This case has been rated already' },
  'CASE.EXTENSION_PENDING': { zh: '已有待审批的延期申请', en: 'An extension request is already waiting for a decision' },
  'CASE.NO_EXTENSION_REQUEST': { zh: '没有待审批的延期申请', en: 'There is no extension request to decide' },
  'CASE.MERGE_TARGET_INVALID': { zh: '不能合并到该案件', en: 'The case cannot be merged into that case' },
  'CASE.NO_PARENT_TIER': { zh: '本级没有上级平台，无法上报', en: 'This tier has no parent tier to escalate to' },
  'CASE.NO_CHILD_TIER': { zh: '案件发生在本级，没有可下派的下级平台', en: 'The case began at this tier: there is no child tier to assign it back to' },
  'CASE.OWNED_BY_OTHER_TIER': { zh: '案件已上报至其他层级办理，本级只读', en: 'The case is handled by another tier; this copy is read-only' },
  'ATTACHMENT.NOT_FOUND': { zh: '附件不存在', en: 'No such attachment' },
  'ATTACHMENT.BAD_COPY': { zh: '附件所在层级发送的内容无法接受', en: 'The tier holding the attachment sent what this tier cannot accept' },
  'REPORT.NOT_FOUND': { zh: '未找到该上报', en: 'No such report' },
  'PARAMETER.VERSION_CONFLICT': { zh: '参数已被他人修改，请刷新后重试', en: 'The parameter was changed by someone else; reload and try again' },
  'GIS.OUTSIDE_DISTRICT': { zh: '该位置不在任何网格内', en: 'The point lies in no grid of this district' },
  'UNIT.NOT_FOUND': { zh: '组织单元不存在', en: 'No such org unit' },
  'IMPORT.REJECTED': { zh: '导入文件有错误行，未写入任何数据', en: 'The file has invalid rows; nothing was written' },
  'RESIDENT.NOT_FOUND': { zh: '人口信息不存在', en: 'No such resident' },
  'RESIDENT.ALREADY_REGISTERED': { zh: '该居民已登记，请改为迁移或更新', en: 'This resident is already registered: move or update the record instead' },
  'HOUSE.NOT_FOUND': { zh: '房屋不存在', en: 'No such house' },
  'HOUSEHOLD.NOT_FOUND': { zh: '户不存在', en: 'No such household' },
  'CITY_OBJECT.NOT_FOUND': { zh: '部件不存在', en: 'No such city object' },
  'ORGANISATION.NOT_FOUND': { zh: '单位组织不存在', en: 'No such organisation' },
  'BASE_DATA.NOT_OWNER': { zh: '该网格的基础数据由其所属层级维护，请到该层级修改', en: "This grid's base data is kept by another tier: make the change there" },
  'RESIDENT.NOT_ACTIVE': { zh: '该居民已迁出或已死亡，不能再办理此项', en: 'This resident has left the area or died; the action no longer applies' },
  'BUILDING.NOT_FOUND': { zh: '楼栋不存在', en: 'No such building' },
  'WORKER.NOT_FOUND': { zh: '本组织范围内没有该网格员', en: 'No such grid worker in your org unit' },
  'PATROL.NOT_FOUND': { zh: '没有该巡查记录', en: 'No such patrol of yours' },
  'PATROL.ENDED': { zh: '该巡查已结束', en: 'The patrol has ended' },
  'HANDOVER.NOT_FOUND': { zh: '没有该交接记录', en: 'No such hand-over' },
  'DEPARTMENT.NOT_FOUND': { zh: '没有该职能部门', en: 'No such department in the category catalogue' },
  'SUBSCRIPTION.NOT_FOUND': { zh: '没有该事件订阅', en: 'No such subscription of your department' },
  'DELIVERY.NOT_FOUND': { zh: '没有该推送记录', en: 'No such delivery of this subscription' },
  'WORK_ORDER.NOT_FOUND': { zh: '没有该吹哨工单', en: 'No such work order (of your department or area)' },
  'WORK_ORDER.STEP_NOT_ALLOWED': { zh: '该工单当前状态不能进行此操作', en: 'The work order is not in a state that allows this step' },
  'SERVICE_REQUEST.NOT_FOUND': { zh: '没有该代办申请', en: 'No such service request in your area' },
  'SERVICE_REQUEST.STEP_NOT_ALLOWED': { zh: '该代办申请当前状态不能进行此操作', en: 'The service request is not in a state that allows this step' },
  'NOTICE.NOT_FOUND': { zh: '没有该通知公告', en: 'No such notice for you' },
  'NOTICE.NO_RETURN': { zh: '该通知不要求上报材料，或您的单位不在接收范围', en: 'The notice asks no return of your unit' },
  'MESSAGE.NOT_FOUND': { zh: '没有该消息', en: 'No such message in your inbox' },
  'DEPARTMENT_COMMAND.NOT_FOUND': { zh: '没有该部门指令', en: 'No such command of your department' },
  'SERVICE_CODE.NOT_FOUND': { zh: '没有该服务类型', en: 'No such service code' },
  'HANDOVER.ENDED': { zh: '该交接已结束', en: 'The hand-over has ended' },
  'HANDOVER.NO_PARTNER': { zh: '未设置 A/B 岗搭档，无法交接', en: 'No A/B partner on the roster to hand over to' },
  'PROPOSAL.NOT_FOUND': { zh: '本组织范围内没有该变更申报', en: 'No such change proposal in your unit' },
  'PROPOSAL.DECIDED': { zh: '该变更申报已处理', en: 'The change proposal has been decided already' },
  'DIARY.SUBMITTED': { zh: '该日民情日记已提交，不可再改', en: "The day's log has been submitted and is kept as it was" },
  'SERVICE.UNAVAILABLE': { zh: '服务暂时不可用，请稍后重试', en: 'Service temporarily unavailable; try again later' },
  INTERNAL: { zh: '服务器内部错误', en: 'Internal server error' },
};

/**
 * One problem with one input field. `field` is a dotted path such as `location.latitude`, or a
 * column name; `line` is the 1-based line (CSV) or feature number (GeoJSON) of an imported file.
 */
export const fieldErrorSchema = z.object({ field: z.string(), message: z.string(), line: z.number().int().positive().optional() });
export type FieldError = z.infer<typeof fieldErrorSchema>;

/**
 * A failure the caller can act on. Services throw it (never transport exceptions): the same
 * error travels over HTTP and NATS. Messages and details never carry personal data.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly fieldErrors: readonly FieldError[] = [],
  ) {
    super(message ?? ERROR_MESSAGES[code].en);
  }

  static validation(fieldErrors: readonly FieldError[]): DomainError {
    const first = fieldErrors[0];
    const summary = first ? `${first.field}: ${first.message}` : ERROR_MESSAGES['REQUEST.VALIDATION_FAILED'].en;
    return new DomainError('REQUEST.VALIDATION_FAILED', summary, fieldErrors);
  }
}

/** A DomainError as carried in a NATS reply. */
export const remoteErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  fieldErrors: z.array(fieldErrorSchema).default([]),
});
export type RemoteError = z.infer<typeof remoteErrorSchema>;

/** Parses `value` with `schema` or throws REQUEST.VALIDATION_FAILED naming each field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw DomainError.validation(toFieldErrors(result.error.issues, prefix));
  return result.data;
}

/** Turns standard-schema / zod issues into field errors with dotted paths. */
export function toFieldErrors(
  issues: readonly { message: string; path?: readonly (PropertyKey | { key: PropertyKey })[] | undefined; code?: string; keys?: readonly string[] }[],
  prefix?: string,
): FieldError[] {
  return issues.flatMap((issue) => {
    const parts = (issue.path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p));
    if (prefix) parts.unshift(prefix);
    // An unknown field is named itself, not the object that holds it.
    if (issue.code === 'unrecognized_keys' && issue.keys && issue.keys.length > 0) {
      return issue.keys.map((key) => ({ field: [...parts, key].join('.'), message: `unknown field "${key}" (not part of this request)` }));
    }
    return [{ field: parts.length > 0 ? parts.join('.') : '(body)', message: issue.message }];
  });
}
