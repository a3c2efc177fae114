import { useMemo, useState } from 'react';
import { Alert, Badge, Button, Card, DatePicker, Divider, Empty, Grid, List, Select, Space, Switch, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useAuth } from '../shared/auth/AuthProvider';
import { CASE_STATES_SHOWN } from '../cases/case-states';
import { useCaseRules, useCategoryName } from '../cases/case-queries';
import { CaseLight } from '../cases/CaseTags';
import { LIGHT_COLOURS } from '../shared/case-labels';
import { formatDateTime } from '../shared/format/format';
import { localName } from '../shared/i18n/i18n';
import { levelOf } from '../shared/org-units';
import { hasAnyRole, STAFF_ROLES } from '../shared/auth/auth';
import { CaseMapView } from './CaseMapView';
import { CaseCardPanel } from './CaseCardPanel';
import { GridSummaryPanel } from './GridSummaryPanel';
import { useLayer, useMapCases, useWorkerPositions, type MapFilters } from './map-queries';

/** Grids are loaded for the whole area up to a street; for a district only those in view once zoomed in. */
const GRID_ZOOM = 12;

/** 一张图, the home page: the caller's subtree with its boundaries, open cases, workers; a grid's summary and a case's card on click. */
export function MapPage() {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const scope = principal.orgUnit;
  const level = levelOf(scope);
  const [filters, setFilters] = useState<MapFilters>({});
  const [heat, setHeat] = useState(false);
  const [showWorkers, setShowWorkers] = useState(true);
  const [selectedGrid, setSelectedGrid] = useState<string>();
  const [selectedCase, setSelectedCase] = useState<string>();
  const [view, setView] = useState<{ zoom: number; bbox: [number, number, number, number] }>();
  // On a phone the filters fold away above the map (open on demand); on a desk they stay open.
  const narrow = Grid.useBreakpoint().md === false;
  const [panelOpen, setPanelOpen] = useState<boolean>();
  const showPanel = panelOpen ?? !narrow;

  const streets = useLayer('street', scope, level === 'district');
  const communities = useLayer('community', scope, level !== 'grid');
  const gridsByBox = level === 'district';
  const grids = useLayer('grid', scope, !gridsByBox || (view !== undefined && view.zoom >= GRID_ZOOM), gridsByBox ? view?.bbox : undefined);
  const cases = useMapCases(scope, filters);
  const workers = useWorkerPositions(scope, showWorkers && hasAnyRole(principal, STAFF_ROLES));
  const rules = useCaseRules();
  const categoryName = useCategoryName();

  const gridOptions = useMemo(
    () => (grids.data?.features ?? []).map((f) => ({ value: f.properties.code, label: `${f.properties.name} (${f.properties.code})` })),
    [grids.data],
  );
  const latest = useMemo(
    () => [...(cases.data?.features ?? [])].sort((a, b) => (b.properties.reportedAt ?? '').localeCompare(a.properties.reportedAt ?? '')).slice(0, 8),
    [cases.data],
  );
  const gridName = grids.data?.features.find((f) => f.properties.code === selectedGrid)?.properties.name;
  const range = (v: [Dayjs | null, Dayjs | null] | null) => setFilters((f) => ({ ...f, from: v?.[0]?.startOf('day').toISOString(), to: v?.[1]?.endOf('day').toISOString() }));

  return (
    <div className="gm-map-wrap">
      <CaseMapView
        label={t('map.title')}
        layers={{ streets: streets.data, communities: communities.data, grids: grids.data, cases: cases.data, workers: workers.data }}
        heat={heat}
        showWorkers={showWorkers}
        selectedGrid={selectedGrid}
        onGridClick={(code) => {
          setSelectedCase(undefined);
          setSelectedGrid(code);
        }}
        onCaseClick={(id) => {
          setSelectedGrid(undefined);
          setSelectedCase(id);
        }}
        onView={setView}
      />
      <div className="gm-map-panel">
        <Card
          size="small"
          title={t('map.filters')}
          role="search"
          aria-label={t('map.filters')}
          extra={
            <Button type="link" size="small" aria-expanded={showPanel} onClick={() => setPanelOpen(!showPanel)}>
              {showPanel ? t('map.hideFilters') : t('map.showFilters')}
            </Button>
          }
          styles={{ body: showPanel ? {} : { display: 'none' } }}
        >
          <Space direction="vertical" style={{ width: '100%' }}>
            <Select
              aria-label={t('map.category')}
              placeholder={t('map.category')}
              allowClear
              showSearch
              optionFilterProp="label"
              style={{ width: '100%' }}
              value={filters.category}
              onChange={(v: string | undefined) => setFilters((f) => ({ ...f, category: v }))}
              options={(rules.data?.categories ?? []).map((c) => ({ value: c.code, label: `${c.code} ${localName(c, i18n.language)}` }))}
            />
            <Select
              aria-label={t('map.light')}
              placeholder={t('map.light')}
              allowClear
              style={{ width: '100%' }}
              value={filters.light}
              onChange={(v: MapFilters['light']) => setFilters((f) => ({ ...f, light: v }))}
              options={(['green', 'yellow', 'red'] as const).map((l) => ({ value: l, label: t(`lights.${l}`) }))}
            />
            <Select
              aria-label={t('map.state')}
              placeholder={t('map.state')}
              mode="multiple"
              allowClear
              style={{ width: '100%' }}
              value={[...(filters.state ?? [])]}
              onChange={(v: string[]) => setFilters((f) => ({ ...f, state: v }))}
              options={CASE_STATES_SHOWN.map((s) => ({ value: s, label: t(`states.${s}`) }))}
            />
            <DatePicker.RangePicker aria-label={t('map.period')} style={{ width: '100%' }} onChange={(v) => range(v)} />
            <Space wrap>
              <Switch checked={heat} onChange={setHeat} aria-label={t('map.heat')} /> {t('map.heat')}
              <Switch checked={showWorkers} onChange={setShowWorkers} aria-label={t('map.workers')} /> {t('map.workers')}
            </Space>
            <Select
              aria-label={t('levels.grid')}
              placeholder={t('levels.grid')}
              showSearch
              allowClear
              optionFilterProp="label"
              style={{ width: '100%' }}
              value={selectedGrid}
              virtual={false}
              onChange={(v: string | undefined) => {
                setSelectedCase(undefined);
                setSelectedGrid(v);
              }}
              options={gridOptions}
              notFoundContent={<Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('common.empty')} />}
            />
          </Space>
          <Divider style={{ margin: '12px 0' }} />
          <Space wrap size="small" aria-label={t('map.legend')}>
            {(['green', 'yellow', 'red'] as const).map((l) => (
              <span key={l}>
                <span className="gm-legend-dot" style={{ background: LIGHT_COLOURS[l] }} />
                {t(`lights.${l}`)}
              </span>
            ))}
          </Space>
          <Divider style={{ margin: '12px 0' }} />
          <Typography.Text role="status" aria-live="polite">
            <Badge color="#1f4e8c" text={t('map.casesShown', { count: cases.data?.features.length ?? 0 })} />
          </Typography.Text>
          {cases.data?.truncated && <Alert type="warning" showIcon style={{ marginTop: 8 }} message={t('map.truncated', { count: cases.data.features.length })} />}
          {cases.error && <Alert type="error" showIcon style={{ marginTop: 8 }} message={cases.error.message} />}
          <List
            size="small"
            style={{ marginTop: 8 }}
            aria-label={t('desk.queues.toAccept')}
            loading={cases.isLoading}
            dataSource={latest}
            locale={{ emptyText: t('map.noCases') }}
            renderItem={(f) => (
              <List.Item
                style={{ cursor: 'pointer' }}
                onClick={() => {
                  setSelectedGrid(undefined);
                  setSelectedCase(String(f.id));
                }}
              >
                <Space direction="vertical" size={0}>
                  <Link to={`/cases/${String(f.id)}`}>{f.properties.caseNo}</Link>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {categoryName(f.properties.categoryCode)} · {formatDateTime(f.properties.reportedAt)}
                  </Typography.Text>
                </Space>
                <CaseLight light={f.properties.light} compact />
              </List.Item>
            )}
          />
          {showWorkers && (workers.data?.items.length ?? 0) > 0 && (
            <List
              size="small"
              style={{ marginTop: 8 }}
              header={<Typography.Text strong>{t('map.workersLatest', { count: workers.data!.items.length })}</Typography.Text>}
              aria-label={t('map.workers')}
              dataSource={workers.data!.items.slice(0, 20)}
              renderItem={(w) => (
                <List.Item aria-label={w.username}>
                  <span>
                    <span className="gm-legend-dot" style={{ background: '#722ed1' }} />
                    {w.username}
                  </span>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('map.workerAt', { time: new Date(w.at).toLocaleTimeString(i18n.language === 'en' ? 'en-GB' : 'zh-CN'), acc: Math.round(w.accuracyM) })}
                  </Typography.Text>
                </List.Item>
              )}
            />
          )}
        </Card>
      </div>
      {(selectedGrid || selectedCase) && (
        <div className="gm-map-side">
          {selectedGrid && <GridSummaryPanel code={selectedGrid} name={gridName} onClose={() => setSelectedGrid(undefined)} />}
          {selectedCase && <CaseCardPanel id={selectedCase} onClose={() => setSelectedCase(undefined)} />}
        </div>
      )}
    </div>
  );
}
