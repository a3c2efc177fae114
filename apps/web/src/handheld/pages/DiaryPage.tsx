import { useEffect, useState } from 'react';
import { Alert, App, Button, Input, Space, Spin, Tag } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError, unwrap } from '../../shared/api/client';
import { gateway } from '../handheld-api';

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * 民情日记: the day's log, drafted by the gateway from the day's patrols, visits and reports (those
 * that have reached it), edited here and submitted; the community sees its workers' logs. Writing
 * it needs the network (it is one text per day, not field work to queue).
 */
export function DiaryPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const date = today();
  const diary = useQuery({ queryKey: ['diary', date], queryFn: () => unwrap(gateway.GET('/api/v1/diary/{date}', { params: { path: { date } } })) });
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (diary.data) setText(diary.data.text);
  }, [diary.data]);

  const run = async (fn: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await fn();
      await client.invalidateQueries({ queryKey: ['diary', date] });
      message.success(done);
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : t('hh.diary.offline'));
    } finally {
      setBusy(false);
    }
  };

  if (diary.isLoading) return <Spin size="large" />;
  if (!diary.data) return <Alert type="warning" showIcon message={t('hh.diary.offline')} />;
  const submitted = diary.data.status === 'submitted';
  const f = diary.data.facts;
  return (
    <div>
      <h2 style={{ fontSize: 22, margin: '4px 0 12px' }}>
        {t('hh.diary.title')} <Tag color={submitted ? 'green' : 'gold'}>{t(`hh.diary.status.${diary.data.status}`)}</Tag>
      </h2>
      <p className="hh-muted">{t('hh.diary.facts', { patrols: f.patrols, km: (f.distanceM / 1000).toFixed(1), visits: f.visits, reports: f.reports })}</p>
      <Input.TextArea aria-label={t('hh.diary.text')} rows={12} value={text} onChange={(e) => setText(e.target.value)} disabled={submitted} maxLength={10000} showCount />
      {!submitted && (
        <Space style={{ marginTop: 12, width: '100%' }} direction="vertical">
          <Button block loading={busy} disabled={!text.trim()} onClick={() => void run(() => unwrap(gateway.PUT('/api/v1/diary/{date}', { params: { path: { date } }, body: { text } })), t('hh.diary.saved'))}>
            {t('common.save')}
          </Button>
          <Button
            type="primary"
            block
            loading={busy}
            disabled={!text.trim()}
            onClick={() =>
              void run(async () => {
                await unwrap(gateway.POST('/api/v1/diary/{date}/submit', { params: { path: { date } }, body: { text } }));
              }, t('hh.diary.submitted'))
            }
          >
            {t('hh.diary.submit')}
          </Button>
        </Space>
      )}
    </div>
  );
}
