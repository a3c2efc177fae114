import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, App, Badge, Button, Card, Grid, Input, List, Select, Space, Table, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLiveEvents } from '../shared/live/LiveFeedProvider';
import { formatDateTime } from '../shared/format/format';
import type { CaseListItem } from '../shared/api/types';
import { QUEUES, type QueueKey } from './case-states';
import { localName } from '../shared/i18n/i18n';
import { useCaseList, useCaseRules, useCategoryName, useQueueCount, type CaseQuery } from './case-queries';
import { CaseLight, CaseStateTag, UrgencyTag } from './CaseTags';

type Sort = CaseQuery['sort'];

function QueueLabel({ queue, filters }: { queue: (typeof QUEUES)[number]; filters: Pick<CaseQuery, 'category' | 'urgency' | 'unit'> }) {
  const { t } = useTranslation();
  const count = useQueueCount({ ...queue, ...filters });
  return (
    <Space size={4}>
      {t(`desk.queues.${queue.key}`)}
      <Badge count={count.data ?? 0} showZero overflowCount={9999} color={queue.key === 'overdue' ? '#d4380d' : '#1f4e8c'} />
    </Space>
  );
}

/** The case desk: the queues of the workflow, each a filtered, sorted, paged list of the caller's subtree. */
export function CaseDeskPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { notification } = App.useApp();
  const [params, setParams] = useSearchParams();
  const queueKey = (QUEUES.some((q) => q.key === params.get('queue')) ? params.get('queue') : 'toAccept') as QueueKey;
  const queue = QUEUES.find((q) => q.key === queueKey)!;
  const [sort, setSort] = useState<Sort>('priority');
  const [category, setCategory] = useState<string>();
  const [urgency, setUrgency] = useState<CaseQuery['urgency']>();
  const [unit, setUnit] = useState<string>();
  const list = useCaseList({ ...queue, sort, category, urgency, unit });
  const rules = useCaseRules();
  const categoryName = useCategoryName();
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  // On a phone: a list of cards instead of a wide table.
  const narrow = Grid.useBreakpoint().md === false;

  useLiveEvents((e) => {
    if (e.type === 'gm.case.reported.v1' && e.data.caseNo) {
      notification.info({ message: t('desk.newCase', { caseNo: e.data.caseNo }), placement: 'bottomRight', duration: 4 });
    }
  });

  return (
    <div className="gm-page">
      <Card
        title={t('desk.title')}
        extra={
          <Space>
            <Typography.Text type="secondary">{t('desk.sort')}</Typography.Text>
            <Select<Sort>
              aria-label={t('desk.sort')}
              value={sort}
              onChange={setSort}
              style={{ width: 140 }}
              options={(['priority', 'reported_desc', 'reported_asc', 'deadline_asc'] as const).map((s) => ({ value: s, label: t(`desk.sorts.${s}`) }))}
            />
          </Space>
        }
      >
        <Space wrap style={{ marginBottom: 8 }} role="search" aria-label={t('desk.search')}>
          <Select
            aria-label={t('map.category')}
            placeholder={t('map.category')}
            allowClear
            showSearch
            optionFilterProp="label"
            style={{ width: 220 }}
            value={category}
            onChange={setCategory}
            options={(rules.data?.categories ?? []).map((c) => ({ value: c.code, label: `${c.code} ${localName(c, i18n.language)}` }))}
          />
          <Select<NonNullable<CaseQuery['urgency']>>
            aria-label={t('desk.columns.urgency')}
            placeholder={t('desk.columns.urgency')}
            allowClear
            style={{ width: 140 }}
            value={urgency}
            onChange={setUrgency}
            options={(['normal', 'urgent', 'emergency'] as const).map((u) => ({ value: u, label: t(`urgency.${u}`) }))}
          />
          <Input.Search
            aria-label={t('common.unit')}
            placeholder={t('desk.unitPlaceholder')}
            allowClear
            style={{ width: 220 }}
            onSearch={(v) => setUnit(/^\d{6}(\d{3}(\d{3}(-\d{2})?)?)?$/.test(v.trim()) ? v.trim() : undefined)}
          />
        </Space>
        <Tabs
          activeKey={queueKey}
          onChange={(k) => setParams({ queue: k })}
          items={QUEUES.map((q) => ({ key: q.key, label: <QueueLabel queue={q} filters={{ category, urgency, unit }} /> }))}
        />
        {list.error && <Alert type="error" showIcon message={list.error.message} style={{ marginBottom: 12 }} />}
        {narrow ? (
          <List<CaseListItem>
            loading={list.isLoading}
            dataSource={rows}
            aria-label={t(`desk.queues.${queueKey}`)}
            locale={{ emptyText: t('common.empty') }}
            renderItem={(r) => (
              <List.Item onClick={() => navigate(`/cases/${r.id}`)} style={{ cursor: 'pointer' }}>
                <Space direction="vertical" size={2} style={{ width: '100%' }}>
                  <Space style={{ justifyContent: 'space-between', width: '100%' }}>
                    <Link to={`/cases/${r.id}`} onClick={(e) => e.stopPropagation()}>
                      {r.caseNo}
                    </Link>
                    <CaseLight light={r.light} compact />
                  </Space>
                  <Typography.Text>
                    {categoryName(r.categoryCode)} · {r.summary}
                  </Typography.Text>
                  <Space wrap size={4}>
                    <CaseStateTag state={r.state} />
                    <UrgencyTag urgency={r.urgency} />
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {r.gridCode} · {formatDateTime(r.reportedAt)}
                    </Typography.Text>
                  </Space>
                </Space>
              </List.Item>
            )}
          />
        ) : (
          <Table<CaseListItem>
            rowKey="id"
            size="middle"
            loading={list.isLoading}
            dataSource={rows}
            pagination={false}
            scroll={{ x: 1300 }}
            aria-label={t(`desk.queues.${queueKey}`)}
            onRow={(r) => ({ onClick: () => navigate(`/cases/${r.id}`), style: { cursor: 'pointer' } })}
            locale={{ emptyText: t('common.empty') }}
            columns={[
              { title: t('desk.columns.caseNo'), dataIndex: 'caseNo', width: 240, render: (v: string, r) => <Link to={`/cases/${r.id}`} onClick={(e) => e.stopPropagation()}>{v}</Link> },
              { title: t('desk.columns.category'), dataIndex: 'categoryCode', width: 130, render: (v: string) => categoryName(v) },
              { title: t('desk.columns.summary'), dataIndex: 'summary', ellipsis: true },
              { title: t('desk.columns.grid'), dataIndex: 'gridCode', width: 150 },
              { title: t('desk.columns.state'), dataIndex: 'state', width: 100, render: (v: string) => <CaseStateTag state={v} /> },
              { title: t('desk.columns.light'), dataIndex: 'light', width: 100, render: (v: CaseListItem['light']) => <CaseLight light={v} compact /> },
              { title: t('desk.columns.urgency'), dataIndex: 'urgency', width: 100, render: (v: string) => <UrgencyTag urgency={v} /> },
              { title: t('desk.columns.reportedAt'), dataIndex: 'reportedAt', width: 150, render: (v: string) => formatDateTime(v) },
              { title: t('desk.columns.deadline'), dataIndex: 'deadlineAt', width: 150, render: (v: string | null) => formatDateTime(v) },
            ]}
          />
        )}
        {list.hasNextPage && (
          <div style={{ textAlign: 'center', marginTop: 12 }}>
            <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
              {t('common.loadMore')}
            </Button>
          </div>
        )}
      </Card>
    </div>
  );
}
