import { useMemo } from 'react';
import { Card, Col, Row, Statistic } from 'antd';
import { useTranslation } from 'react-i18next';
import type { EChartsCoreOption } from 'echarts/core';
import type { CaseOverview } from '../shared/api/types';
import { EChart } from '../shared/EChart';
import { LIGHT_COLOURS } from '../shared/case-labels';
import { localName } from '../shared/i18n/i18n';
import { useCategoryName } from '../cases/case-queries';
import type { KpiReport } from '../kpis/kpi-queries';

/** The boards of the dashboard and of the wall: totals, cases by day, lights, categories, states, the ranking by index. */
export function Boards({ overview, ranking, dark, chartHeight = 280 }: { overview: CaseOverview | undefined; ranking: KpiReport | undefined; dark?: boolean; chartHeight?: number }) {
  const { t, i18n } = useTranslation();
  const categoryName = useCategoryName();
  const text = dark ? '#e6f0ff' : '#333';
  const options = useMemo(() => {
    const o = overview;
    const byDay: EChartsCoreOption = {
      tooltip: { trigger: 'axis' },
      legend: { data: [t('dashboard.reportedSeries'), t('dashboard.closedSeries')], textStyle: { color: text } },
      grid: { left: 40, right: 16, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: o?.byDay.map((d) => d.day.slice(5)) ?? [] },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('dashboard.reportedSeries'), type: 'line', smooth: true, data: o?.byDay.map((d) => d.reported) ?? [] },
        { name: t('dashboard.closedSeries'), type: 'line', smooth: true, data: o?.byDay.map((d) => d.closed) ?? [] },
      ],
    };
    const lights: EChartsCoreOption = {
      tooltip: { trigger: 'item' },
      legend: { bottom: 0, textStyle: { color: text } },
      series: [
        {
          type: 'pie',
          radius: ['40%', '70%'],
          label: { show: false },
          data: (['green', 'yellow', 'red'] as const).map((l) => ({ name: t(`lights.${l}`), value: o?.byLight[l] ?? 0, itemStyle: { color: LIGHT_COLOURS[l] } })),
        },
      ],
    };
    const top = (o?.byCategory ?? []).slice(0, 10).reverse();
    const categories: EChartsCoreOption = {
      tooltip: { trigger: 'axis' },
      grid: { left: 120, right: 16, top: 10, bottom: 20 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: top.map((c) => categoryName(c.categoryCode)) },
      series: [{ type: 'bar', data: top.map((c) => c.count), itemStyle: { color: '#1f4e8c' } }],
    };
    const states = Object.entries(o?.byState ?? {}).filter(([, n]) => (n ?? 0) > 0);
    const byState: EChartsCoreOption = {
      tooltip: { trigger: 'axis' },
      grid: { left: 40, right: 16, top: 10, bottom: 60 },
      xAxis: { type: 'category', data: states.map(([s]) => t(`states.${s}`)), axisLabel: { rotate: 30 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: states.map(([, n]) => n), itemStyle: { color: '#5b8ff9' } }],
    };
    const ranked = (ranking?.rows ?? []).filter((r) => r.assessment.index !== null).slice(0, 10).reverse();
    const rankingOption: EChartsCoreOption = {
      tooltip: { trigger: 'axis' },
      grid: { left: 140, right: 24, top: 10, bottom: 20 },
      xAxis: { type: 'value', max: 100 },
      yAxis: { type: 'category', data: ranked.map((r) => (r.name ? localName(r.name, i18n.language) : r.subject)) },
      series: [{ type: 'bar', data: ranked.map((r) => Math.round((r.assessment.index ?? 0) * 10) / 10), itemStyle: { color: '#2e9d4f' }, label: { show: true, position: 'right' } }],
    };
    return { byDay, lights, categories, byState, ranking: rankingOption };
  }, [overview, ranking, t, i18n.language, categoryName, text]);

  return (
    <Row gutter={[16, 16]}>
      <Col xs={12} md={6}>
        <Card role="group" aria-label={t('dashboard.open')}>
          <Statistic title={t('dashboard.open')} value={overview?.open ?? '—'} />
        </Card>
      </Col>
      <Col xs={12} md={6}>
        <Card role="group" aria-label={t('dashboard.red')}>
          <Statistic title={t('dashboard.red')} value={overview?.byLight.red ?? '—'} valueStyle={{ color: LIGHT_COLOURS.red }} />
        </Card>
      </Col>
      <Col xs={12} md={6}>
        <Card role="group" aria-label={t('dashboard.reportedSeries')}>
          <Statistic title={t('dashboard.reportedSeries')} value={overview?.byDay.reduce((n, d) => n + d.reported, 0) ?? '—'} />
        </Card>
      </Col>
      <Col xs={12} md={6}>
        <Card role="group" aria-label={t('dashboard.closedSeries')}>
          <Statistic title={t('dashboard.closedSeries')} value={overview?.byDay.reduce((n, d) => n + d.closed, 0) ?? '—'} />
        </Card>
      </Col>
      <Col xs={24} lg={16}>
        <Card title={t('dashboard.byDay')}>
          <EChart option={options.byDay} label={t('dashboard.byDay')} dark={dark} height={chartHeight} />
        </Card>
      </Col>
      <Col xs={24} lg={8}>
        <Card title={t('dashboard.lights')}>
          <EChart option={options.lights} label={t('dashboard.lights')} dark={dark} height={chartHeight} />
        </Card>
      </Col>
      <Col xs={24} lg={8}>
        <Card title={t('dashboard.categories')}>
          <EChart option={options.categories} label={t('dashboard.categories')} dark={dark} height={chartHeight} />
        </Card>
      </Col>
      <Col xs={24} lg={8}>
        <Card title={t('dashboard.states')}>
          <EChart option={options.byState} label={t('dashboard.states')} dark={dark} height={chartHeight} />
        </Card>
      </Col>
      <Col xs={24} lg={8}>
        <Card title={t('dashboard.ranking')}>
          <EChart option={options.ranking} label={t('dashboard.ranking')} dark={dark} height={chartHeight} />
        </Card>
      </Col>
    </Row>
  );
}
