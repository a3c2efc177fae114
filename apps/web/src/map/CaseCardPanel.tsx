import { Alert, Button, Card, Descriptions, Skeleton } from 'antd';
import { CloseOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useCase, useCategoryName } from '../cases/case-queries';
import { CaseLight, CaseStateTag } from '../cases/CaseTags';
import { formatDateTime } from '../shared/format/format';

/** A case's card on the map: what, where, when, its state and light, and the way to the desk. */
export function CaseCardPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const c = useCase(id);
  const categoryName = useCategoryName();
  return (
    <Card
      size="small"
      title={c.data ? c.data.caseNo : t('common.loading')}
      extra={<Button type="text" size="small" icon={<CloseOutlined />} aria-label={t('common.close')} onClick={onClose} />}
      role="region"
      aria-label={t('caseCard.caseNo')}
      actions={[
        <Button key="open" type="primary" onClick={() => navigate(`/cases/${id}`)}>
          {t('caseCard.openDesk')}
        </Button>,
      ]}
    >
      {c.isLoading && <Skeleton active />}
      {c.error && <Alert type="warning" showIcon message={c.error.message} />}
      {c.data && (
        <Descriptions size="small" column={1}>
          <Descriptions.Item label={t('caseCard.category')}>{categoryName(c.data.categoryCode)}</Descriptions.Item>
          <Descriptions.Item label={t('caseCard.state')}>
            <CaseStateTag state={c.data.state} />
          </Descriptions.Item>
          <Descriptions.Item label={t('caseCard.light')}>
            <CaseLight light={c.data.light} />
          </Descriptions.Item>
          <Descriptions.Item label={t('caseCard.grid')}>{c.data.gridCode}</Descriptions.Item>
          <Descriptions.Item label={t('caseCard.reportedAt')}>{formatDateTime(c.data.reportedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('caseCard.deadline')}>{formatDateTime(c.data.deadlineAt)}</Descriptions.Item>
          {c.data.address && <Descriptions.Item label={t('caseCard.address')}>{c.data.address}</Descriptions.Item>}
          <Descriptions.Item label={t('caseCard.description')}>{c.data.description}</Descriptions.Item>
        </Descriptions>
      )}
    </Card>
  );
}
