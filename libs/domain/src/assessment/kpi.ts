import type { KpiIndicator } from '@gm/contracts';

/**
 * The KPIs of assessment (考核指标), after the indicators of digital urban management
 * assessment: additive counters per subject (a unit, a person, a department) and day, fed by case
 * events and field-work records, and the figures computed from their sum over a period.
 *
 * Counters are additive on purpose: the command centre keeps one row per subject and day and a
 * period's counters are the sum of its days (`sumKpiCounters`); a rate of the period is computed
 * from the summed counters, never averaged from daily rates.
 */

/**
 * Additive counters of one subject over a time span. Each counts events that happened in the span
 * (a case registered last month and closed this month counts as registered last month and closed
 * this month). Which subject an event is counted for (the case's grid and the units above it, the
 * department or unit it was dispatched to, the person who acted) is the consumer's business.
 */
export interface KpiCounters {
  /** 上报数: reports received (`gm.case.reported.v1`). */
  readonly reported: number;
  /**
   * 立案数: cases registered (`caseRegistered`), plus cases handled on the spot (`caseSelfHandled`,
   * 现场处理), which are cases registered and closed at once.
   */
  readonly registered: number;
  /** 结案数: closes (`caseClosed`, `caseSelfHandled`); a case reopened and closed again counts each time. */
  readonly closed: number;
  /**
   * 按期结案数: closes of cases none of whose steps passed its deadline (no `gm.case.overdue.v1`)
   * between the registration — or, for a reopened case, the latest reopening — and the close
   * itself, the close step included. Deadlines are as the step clock counts them: working or
   * natural time by rule, approved extensions added, time on hold not counted. Accept and
   * register steps are not part of the handling and do not count. A case handled on the spot is
   * closed on time.
   */
  readonly closedOnTime: number;
  /** 派遣数: dispatches (`caseDispatched`), each re-dispatch after a return or reopening included. */
  readonly dispatched: number;
  /** 按时派遣数: dispatches made before the dispatch step's deadline (no overdue raised for that step). */
  readonly dispatchedOnTime: number;
  /** 返工数: returns for rework (`caseReturned`) and reopenings by the reporter (`caseReopened`). */
  readonly reworked: number;
  /** 超期数: steps that passed their deadline (`gm.case.overdue.v1`, raised once per step). */
  readonly overdue: number;
  /** 督办数: urgings (`caseUrged`). */
  readonly urged: number;
  /** 满意度: sum and number of the reporters' ratings 1–5 (`caseRated`). */
  readonly ratingSum: number;
  readonly ratingCount: number;
  /** Handling time: natural minutes from the report to each close, summed, and the number of closes measured. */
  readonly handlingMinutesSum: number;
  readonly handlingCount: number;
  /** 巡查 patrols, 走访 visits and base-data records kept current by grid workers; zero until those records feed the counters. */
  readonly patrols: number;
  readonly visits: number;
  readonly dataUpdates: number;
}

export const KPI_COUNTER_KEYS = [
  'reported',
  'registered',
  'closed',
  'closedOnTime',
  'dispatched',
  'dispatchedOnTime',
  'reworked',
  'overdue',
  'urged',
  'ratingSum',
  'ratingCount',
  'handlingMinutesSum',
  'handlingCount',
  'patrols',
  'visits',
  'dataUpdates',
] as const satisfies readonly (keyof KpiCounters)[];

export function emptyKpiCounters(): KpiCounters {
  return {
    reported: 0,
    registered: 0,
    closed: 0,
    closedOnTime: 0,
    dispatched: 0,
    dispatchedOnTime: 0,
    reworked: 0,
    overdue: 0,
    urged: 0,
    ratingSum: 0,
    ratingCount: 0,
    handlingMinutesSum: 0,
    handlingCount: 0,
    patrols: 0,
    visits: 0,
    dataUpdates: 0,
  };
}

export function addKpiCounters(a: KpiCounters, b: KpiCounters): KpiCounters {
  const sum: Record<keyof KpiCounters, number> = { ...emptyKpiCounters() };
  for (const key of KPI_COUNTER_KEYS) sum[key] = a[key] + b[key];
  return sum;
}

/** The counters of a period: the sum of its days (or of the subjects below a unit). */
export function sumKpiCounters(all: Iterable<KpiCounters>): KpiCounters {
  let sum = emptyKpiCounters();
  for (const c of all) sum = addKpiCounters(sum, c);
  return sum;
}

/**
 * The indicators of a subject over a period. Rates are fractions (0.95, not 95) and are null when
 * their denominator is 0 (nothing to measure: not 0 %, not NaN); rounding is for display.
 */
export interface KpiFigures {
  /** 上报数 */
  readonly reported: number;
  /** 立案数 */
  readonly registered: number;
  /** 结案数 */
  readonly closed: number;
  /** 派遣数 */
  readonly dispatched: number;
  /**
   * 结案率 = closed / registered. Both count events of the period, so clearing an older backlog
   * can lift it above 1; it is not clipped here (that would hide the backlog cleared), its score
   * is capped at 100.
   */
  readonly closureRate: number | null;
  /** 按期结案率 = closedOnTime / closed. */
  readonly onTimeClosureRate: number | null;
  /** 按时派遣率 = dispatchedOnTime / dispatched. */
  readonly onTimeDispatchRate: number | null;
  /** 返工数 */
  readonly reworked: number;
  /**
   * 返工率 = reworked / dispatched. Dispatches, not closes, are the denominator: every return
   * undoes a dispatch (and a reopened case is dispatched again), so the rate is the share of
   * handling assignments that came back, stays within 0..1, and still shows a department that
   * had cases returned but closed none (over closes it would be null there, or above 1).
   */
  readonly reworkRate: number | null;
  /** 超期数 */
  readonly overdue: number;
  /** 督办数 */
  readonly urged: number;
  /** 满意度: mean rating 1–5 = ratingSum / ratingCount. */
  readonly satisfaction: number | null;
  /** 评价数: how many ratings `satisfaction` is the mean of. */
  readonly ratings: number;
  /** 平均处置时长: mean natural hours from report to close = handlingMinutesSum / handlingCount / 60. */
  readonly meanHandlingHours: number | null;
  /** 巡查数 */
  readonly patrols: number;
  /** 走访数 */
  readonly visits: number;
  /** 数据更新数 */
  readonly dataUpdates: number;
}

// Every indicator of the contract is a figure, and every figure an indicator (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const FIGURES_MATCH_INDICATORS: Same<keyof KpiFigures, KpiIndicator> = true;
void FIGURES_MATCH_INDICATORS;

/** What kind of number a figure is: it decides which scorings and veto limits fit it. */
export type KpiFigureType = 'count' | 'rate' | 'rating' | 'hours';

export interface KpiIndicatorInfo {
  readonly type: KpiFigureType;
  readonly zh: string;
  readonly en: string;
}

export const KPI_INDICATOR_INFO: Readonly<Record<KpiIndicator, KpiIndicatorInfo>> = {
  reported: { type: 'count', zh: '上报数', en: 'Reports' },
  registered: { type: 'count', zh: '立案数', en: 'Cases registered' },
  closed: { type: 'count', zh: '结案数', en: 'Cases closed' },
  dispatched: { type: 'count', zh: '派遣数', en: 'Dispatches' },
  closureRate: { type: 'rate', zh: '结案率', en: 'Closure rate' },
  onTimeClosureRate: { type: 'rate', zh: '按期结案率', en: 'On-time closure rate' },
  onTimeDispatchRate: { type: 'rate', zh: '按时派遣率', en: 'On-time dispatch rate' },
  reworked: { type: 'count', zh: '返工数', en: 'Rework' },
  reworkRate: { type: 'rate', zh: '返工率', en: 'Rework rate' },
  overdue: { type: 'count', zh: '超期数', en: 'Overdue steps' },
  urged: { type: 'count', zh: '督办数', en: 'Urgings' },
  satisfaction: { type: 'rating', zh: '满意度', en: 'Satisfaction' },
  ratings: { type: 'count', zh: '评价数', en: 'Ratings' },
  meanHandlingHours: { type: 'hours', zh: '平均处置时长（小时）', en: 'Mean handling time (hours)' },
  patrols: { type: 'count', zh: '巡查数', en: 'Patrols' },
  visits: { type: 'count', zh: '走访数', en: 'Visits' },
  dataUpdates: { type: 'count', zh: '数据更新数', en: 'Data updates' },
};

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

export function kpiFigures(c: KpiCounters): KpiFigures {
  const meanMinutes = ratio(c.handlingMinutesSum, c.handlingCount);
  return {
    reported: c.reported,
    registered: c.registered,
    closed: c.closed,
    dispatched: c.dispatched,
    closureRate: ratio(c.closed, c.registered),
    onTimeClosureRate: ratio(c.closedOnTime, c.closed),
    onTimeDispatchRate: ratio(c.dispatchedOnTime, c.dispatched),
    reworked: c.reworked,
    reworkRate: ratio(c.reworked, c.dispatched),
    overdue: c.overdue,
    urged: c.urged,
    satisfaction: ratio(c.ratingSum, c.ratingCount),
    ratings: c.ratingCount,
    meanHandlingHours: meanMinutes === null ? null : meanMinutes / 60,
    patrols: c.patrols,
    visits: c.visits,
    dataUpdates: c.dataUpdates,
  };
}

/** Whether the figures hold anything at all: a count above 0 or a rate, mean or rating that could be computed. */
export function hasKpiData(f: KpiFigures): boolean {
  return (Object.keys(KPI_INDICATOR_INFO) as KpiIndicator[]).some((k) => {
    const v = f[k];
    return KPI_INDICATOR_INFO[k].type === 'count' ? v !== null && v > 0 : v !== null;
  });
}
