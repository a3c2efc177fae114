import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Image, List, Result, Row, Skeleton, Space, Tag, Timeline, Typography } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap } from '../shared/api/client';
import type { CaseActionName, CaseView, Timeline as TimelineData } from '../shared/api/types';
import { DESK_ROLES, hasAnyRole, STAFF_ROLES } from '../shared/auth/auth';
import { useWorkerPositions } from '../map/map-queries';
import { useAuth } from '../shared/auth/AuthProvider';
import { formatDateTime, formatDistance } from '../shared/format/format';
import { ActionDialog, type RequiredInput } from './ActionDialog';
import { useCase, useCategoryName, useDuplicates, useTimeline, useWorkflow } from './case-queries';
import { CaseLight, CaseStateTag, UrgencyTag } from './CaseTags';

/** The case itself: what and where, its timeline with who did what as whom, its photos (also those of other tiers), duplicates, and every action the caller may take. */
export function CaseDetailPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const { principal } = useAuth();
  const c = useCase(id);
  const timeline = useTimeline(id);
  const workflow = useWorkflow();
  const desk = hasAnyRole(principal, DESK_ROLES);
  const duplicates = useDuplicates(id, desk && !!c.data && ['reported', 'accepted', 'registered'].includes(c.data.state));
  const categoryName = useCategoryName();
  const [acting, setActing] = useState<CaseActionName>();

  if (c.error) {
    const notFound = c.error instanceof ApiError && c.error.status === 404;
    return <Result status={notFound ? '404' : 'error'} title={notFound ? t('detail.notFound') : c.error.message} extra={<Button onClick={() => navigate('/cases')}>{t('common.back')}</Button>} />;
  }
  if (!c.data) return <Skeleton active className="gm-page" />;
  const v = c.data;
  const photos = (timeline.data?.entries ?? []).flatMap((e) => e.attachments.map((key) => ({ key, tier: e.tier ?? undefined, at: e.at })));

  return (
    <div className="gm-page">
      <Space style={{ marginBottom: 12 }}>
        <Button icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)}>
          {t('common.back')}
        </Button>
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={15}>
          <Card title={<Typography.Title level={4} style={{ margin: 0 }}>{t('detail.title', { caseNo: v.caseNo })}</Typography.Title>} extra={<CaseStateTag state={v.state} />}>
            <Descriptions size="small" column={{ xs: 1, sm: 2 }} bordered>
              <Descriptions.Item label={t('caseCard.category')}>{categoryName(v.categoryCode)}</Descriptions.Item>
              <Descriptions.Item label={t('desk.columns.urgency')}>
                <UrgencyTag urgency={v.urgency} />
              </Descriptions.Item>
              <Descriptions.Item label={t('caseCard.grid')}>{v.gridCode}</Descriptions.Item>
              <Descriptions.Item label={t('caseCard.light')}>
                <CaseLight light={v.light} />
              </Descriptions.Item>
              <Descriptions.Item label={t('caseCard.reportedAt')}>{formatDateTime(v.reportedAt)}</Descriptions.Item>
              <Descriptions.Item label={t('caseCard.deadline')}>{formatDateTime(v.deadlineAt)}</Descriptions.Item>
              {v.assignee && (
                <Descriptions.Item label={t('detail.assignee')}>
                  <AssigneeName assignee={v.assignee} />
                </Descriptions.Item>
              )}
              {v.address && <Descriptions.Item label={t('caseCard.address')}>{v.address}</Descriptions.Item>}
              <Descriptions.Item label={t('caseCard.description')} span={2}>
                {v.description}
              </Descriptions.Item>
            </Descriptions>
            <Space wrap style={{ marginTop: 12 }}>
              {v.reworkCount > 0 && <Tag color="volcano">{t('detail.reworkCount', { count: v.reworkCount })}</Tag>}
              {v.urgeCount > 0 && <Tag color="red">{t('detail.urgeCount', { count: v.urgeCount })}</Tag>}
              {v.pendingExtensionMinutes && <Tag color="purple">{t('detail.pendingExtension', { minutes: v.pendingExtensionMinutes })}</Tag>}
              {v.rating && <Tag color="gold">{t('detail.rating', { rating: v.rating })}</Tag>}
            </Space>
            {v.federation.readOnly && <Alert type="info" showIcon style={{ marginTop: 12 }} message={t('detail.readOnly', { tier: v.federation.ownerTier ?? v.federation.escalatedTo ?? '' })} />}
          </Card>
          <Card title={t('detail.timeline')} style={{ marginTop: 16 }}>
            {timeline.isLoading ? <Skeleton active /> : <CaseTimeline data={timeline.data} />}
          </Card>
        </Col>
        <Col xs={24} lg={9}>
          <Card title={t('detail.actions')} role="region" aria-label={t('detail.actions')}>
            {v.availableActions.length === 0 ? (
              <Typography.Text type="secondary">{t('detail.noActions')}</Typography.Text>
            ) : (
              <Space wrap>
                {v.availableActions.map((a) => (
                  <Button key={a} type={a === v.availableActions[0] ? 'primary' : 'default'} danger={['reject', 'void', 'return'].includes(a)} onClick={() => setActing(a)}>
                    {t(`actions.${a}`)}
                  </Button>
                ))}
              </Space>
            )}
          </Card>
          <Card title={t('detail.photos')} style={{ marginTop: 16 }}>
            {photos.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('detail.noPhotos')} />
            ) : (
              <Image.PreviewGroup>
                <Space wrap>
                  {photos.map((p) => (
                    <Photo key={`${p.tier ?? ''}/${p.key}`} attachmentKey={p.key} tier={p.tier} />
                  ))}
                </Space>
              </Image.PreviewGroup>
            )}
          </Card>
          {desk && (
            <Card title={t('detail.duplicates')} style={{ marginTop: 16 }}>
              <List
                size="small"
                loading={duplicates.isLoading}
                dataSource={duplicates.data?.items ?? []}
                locale={{ emptyText: t('detail.noDuplicates') }}
                renderItem={(d) => (
                  <List.Item actions={[<Button key="open" size="small" onClick={() => navigate(`/cases/${d.caseId}`)}>{t('common.open')}</Button>]}>
                    <List.Item.Meta title={d.caseNo} description={`${formatDistance(d.distanceM)} · ${formatDateTime(d.reportedAt)}`} />
                  </List.Item>
                )}
              />
            </Card>
          )}
        </Col>
      </Row>
      {acting && (
        <ActionDialog
          c={v}
          action={acting}
          requires={(workflow.data?.actions[acting]?.requires ?? []) as RequiredInput[]}
          onCancel={() => setActing(undefined)}
          onDone={() => {
            message.success(t('detail.actionDone', { action: t(`actions.${acting}`) }));
            setActing(undefined);
          }}
        />
      )}
    </div>
  );
}

function CaseTimeline({ data }: { data: TimelineData | undefined }) {
  const { t } = useTranslation();
  if (!data || data.entries.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('common.empty')} />;
  return (
    <Timeline
      items={data.entries.map((e) => ({
        color: e.to === 'closed' ? 'green' : e.action === 'return' || e.action === 'reject' ? 'red' : 'blue',
        children: (
          <div>
            <Space wrap>
              <strong>{t(`actions.${e.action}`, { defaultValue: e.action })}</strong>
              {e.to && <CaseStateTag state={e.to} />}
              <Typography.Text type="secondary">{formatDateTime(e.at)}</Typography.Text>
            </Space>
            <div>
              <Typography.Text type="secondary">
                {t('detail.actor', { role: t(`roles.${e.actor.role}`, { defaultValue: e.actor.role }), unit: e.actor.unit ?? '' })}
                {e.tier ? t('detail.atTier', { tier: e.tier }) : ''}
              </Typography.Text>
            </div>
            {e.note && <div>{e.note}</div>}
          </div>
        ),
      }))}
    />
  );
}

/** A photo from the tier's gateway (fetched from the tier that holds it on first read, ADR 0010), shown through a short-lived link. */
function Photo({ attachmentKey, tier }: { attachmentKey: string; tier: string | undefined }) {
  const { t } = useTranslation();
  const link = useQuery({
    queryKey: ['attachment', tier ?? '', attachmentKey],
    staleTime: 4 * 60_000,
    queryFn: () => unwrap(api.gateway.GET('/api/v1/attachments/link', { params: { query: { key: attachmentKey, ...(tier && { tier }) } } })),
  });
  if (link.error) return <Alert type="warning" showIcon message={t('detail.photoUnavailable', { reason: link.error.message })} />;
  if (!link.data) return <Skeleton.Image active />;
  return <Image className="gm-photo" src={link.data.url} alt={attachmentKey} width={160} height={120} />;
}

/** Whom the case went to; a worker by the staff account their handheld reports positions with (the command centre knows it). */
function AssigneeName({ assignee }: { assignee: NonNullable<CaseView['assignee']> }) {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const workers = useWorkerPositions(principal.orgUnit, assignee.kind === 'worker' && hasAnyRole(principal, STAFF_ROLES));
  const name = assignee.kind === 'worker' ? (workers.data?.items.find((w) => w.subject === assignee.code)?.username ?? assignee.code) : assignee.code;
  return (
    <span>
      {t(`detail.assigneeKinds.${assignee.kind}`)} · {name}
    </span>
  );
}

export type { CaseView };
