/**
 * What a reporter is told at each step of their case (zh first, en complete). `{no}` is the case
 * number, `{note}` the step's note (a redacted summary: the workflow keeps personal data out of it).
 * Steps that tell the reporter nothing (urges, extensions, ratings) have no template.
 */
export interface Template {
  readonly code: string;
  readonly title: { readonly zh: string; readonly en: string };
  readonly body: { readonly zh: string; readonly en: string };
}

const t = (code: string, titleZh: string, titleEn: string, bodyZh: string, bodyEn: string): Template => ({ code, title: { zh: titleZh, en: titleEn }, body: { zh: bodyZh, en: bodyEn } });

const TEMPLATES: Record<string, Template> = {
  reported: t('case.received', '上报已收到', 'Report received', '您上报的问题 {no} 已收到，等待受理。', 'We have received your report {no}; it awaits acceptance.'),
  accept: t('case.accepted', '已受理', 'Accepted', '您上报的问题 {no} 已受理。', 'Your report {no} has been accepted.'),
  reject: t('case.rejected', '不予受理', 'Not accepted', '您上报的问题 {no} 不予受理。原因：{note}', 'Your report {no} was not accepted. Reason: {note}'),
  register: t('case.registered', '已立案', 'Registered', '您上报的问题 {no} 已立案，将派遣处置。', 'Your report {no} has been registered as a case and will be dispatched.'),
  dispatch: t('case.dispatched', '已派遣', 'Dispatched', '您上报的问题 {no} 已派遣至处置单位。', 'Your report {no} has been dispatched to the body that handles it.'),
  start: t('case.started', '处置中', 'In progress', '您上报的问题 {no} 正在处置。', 'Work on your report {no} has started.'),
  handle: t('case.handled', '已处置', 'Handled', '您上报的问题 {no} 已处置完毕，正在核查。', 'Your report {no} has been handled; the result is being checked.'),
  return: t('case.returned', '退回重办', 'Sent back', '您上报的问题 {no} 的处置结果未通过核查，已退回重新处置。', 'The handling of your report {no} did not pass the check and was sent back for more work.'),
  verify: t('case.verified', '已核查', 'Verified', '您上报的问题 {no} 的处置结果已核查。', 'The handling of your report {no} has been verified.'),
  close: t('case.closed', '已办结', 'Closed', '您上报的问题 {no} 已办结。处理结果：{note}', 'Your report {no} has been closed. Outcome: {note}'),
  self_handle: t('case.self-handled', '已现场处置', 'Solved on the spot', '您上报的问题 {no} 已现场处置并办结。{note}', 'Your report {no} was solved on the spot and closed. {note}'),
  hold: t('case.held', '暂缓处理', 'On hold', '您上报的问题 {no} 暂缓处理。原因：{note}', 'Your report {no} is on hold. Reason: {note}'),
  resume: t('case.resumed', '恢复处理', 'Resumed', '您上报的问题 {no} 已恢复处理。', 'Work on your report {no} has resumed.'),
  void: t('case.voided', '已作废', 'Voided', '您上报的问题 {no} 已作废。原因：{note}', 'Your report {no} was voided. Reason: {note}'),
  merge: t('case.merged', '已合并', 'Merged', '您上报的问题 {no} 与同一问题的其他上报合并处理。', 'Your report {no} was merged with another report of the same problem.'),
  reopen: t('case.reopened', '重新办理', 'Reopened', '您上报的问题 {no} 已重新打开办理。', 'Your report {no} has been reopened.'),
  escalate: t('case.escalated', '已上报上级', 'Passed up', '您上报的问题 {no} 已上报上级处理。', 'Your report {no} has been passed up to the next tier.'),
  assign_back: t('case.assigned-back', '交回下级', 'Handed back', '您上报的问题 {no} 已交回下级处理。', 'Your report {no} has been handed back to the tier below.'),
};

/** The template for a step (`reported` for the report itself), or undefined when the reporter is not told. */
export function templateFor(action: string): Template | undefined {
  return TEMPLATES[action];
}

/** Fills `{no}` and `{note}` (an absent note leaves nothing behind, nor a dangling "Reason:"). */
export function render(template: Template, values: { no: string; note?: string | undefined }): { title: { zh: string; en: string }; body: { zh: string; en: string } } {
  const fill = (s: string) => {
    const note = values.note?.trim();
    const text = note ? s.replace('{note}', note) : s.replace(/\s*(原因|处理结果|Reason|Outcome)[:：]\s*\{note\}/, '').replace('{note}', '');
    return text.replace('{no}', values.no).trim();
  };
  return { title: template.title, body: { zh: fill(template.body.zh), en: fill(template.body.en) } };
}

const WORK_ORDER: Record<string, Template> = {
  whistle: t('work-order.whistled', '新吹哨工单', 'New work order', '工单 {no}：{title}。请及时响应，并按时到场报到。', 'Work order {no}: {title}. Please answer it and report on site in time.'),
  urge: t('work-order.urged', '工单督办', 'Work order urged', '工单 {no}（{title}）已被督办，请尽快办理。{note}', 'Work order {no} ({title}) has been urged: please act on it now. {note}'),
  acknowledge: t('work-order.acknowledged', '部门已响应', 'Department answered', '{department} 已响应工单 {no}（{title}）。', '{department} has answered work order {no} ({title}).'),
  arrive: t('work-order.arrived', '部门已到场', 'Department on site', '{department} 已到场报到：工单 {no}（{title}）。', '{department} has checked in on site: work order {no} ({title}).'),
  resolve: t('work-order.resolved', '工单已办结', 'Work order resolved', '{department} 已办结工单 {no}（{title}）：{note}', '{department} has resolved work order {no} ({title}): {note}'),
  decline: t('work-order.declined', '部门说明无法办理', 'Department cannot resolve', '{department} 说明无法办理工单 {no}（{title}）：{note}', '{department} cannot resolve work order {no} ({title}): {note}'),
};

/** What a work-order step tells its other side: the department of a whistle or an urge, the whistler of the department's steps. */
export function workOrderMessage(
  action: string,
  v: { no: string; title: string; department: { zh: string; en: string }; note?: string | { zh: string; en: string } | null | undefined },
): { title: { zh: string; en: string }; body: { zh: string; en: string } } | undefined {
  const template = WORK_ORDER[action];
  if (!template) return undefined;
  const noteIn = (lang: 'zh' | 'en') => (typeof v.note === 'string' ? v.note : (v.note?.[lang] ?? '')).trim();
  const fill = (s: string, lang: 'zh' | 'en') => s.replace('{no}', v.no).replace('{title}', v.title).replace('{department}', v.department[lang]).replace('{note}', noteIn(lang)).trim();
  return { title: template.title, body: { zh: fill(template.body.zh, 'zh'), en: fill(template.body.en, 'en') } };
}
