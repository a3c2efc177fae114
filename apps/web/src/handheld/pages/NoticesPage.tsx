import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, App, Button, Empty, Form, Input, Segmented, Spin, Tag } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../shared/api/client';
import { useAuth } from '../../shared/auth/AuthProvider';
import { localName } from '../../shared/i18n/i18n';
import { readThrough } from '../handheld-api';

const when = (iso: string, lng: string) => new Date(iso).toLocaleString(lng, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** 通知与消息: the notices addressed to the worker (read receipts, returns) and their messages; kept for offline reading. */
export function NoticesPage() {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const [view, setView] = useState<'notices' | 'messages'>('notices');
  const notices = useQuery({
    queryKey: ['hh-notices', principal.subject],
    queryFn: () => readThrough(`notices:${principal.subject}`, () => unwrap(api.office.GET('/api/v1/notices', { params: { query: { limit: 50 } } }))),
  });
  const messages = useQuery({
    queryKey: ['hh-messages', principal.subject],
    enabled: view === 'messages',
    queryFn: () => readThrough(`messages:${principal.subject}`, () => unwrap(api.office.GET('/api/v1/inbox', { params: { query: { limit: 50 } } }))),
  });
  return (
    <div>
      <h2 style={{ fontSize: 22, margin: '4px 0 12px' }}>{t('hh.notices.title')}</h2>
      <Segmented
        block
        aria-label={t('hh.notices.title')}
        value={view}
        onChange={(v) => setView(v as 'notices' | 'messages')}
        options={[
          { value: 'notices', label: notices.data?.unread ? t('hh.notices.noticesUnread', { count: notices.data.unread }) : t('hh.notices.notices') },
          { value: 'messages', label: t('hh.notices.messages') },
        ]}
        style={{ marginBottom: 12 }}
      />
      {view === 'notices' &&
        (notices.isLoading ? (
          <Spin />
        ) : notices.error ? (
          <Alert type="error" showIcon message={notices.error.message} />
        ) : (notices.data?.items.length ?? 0) === 0 ? (
          <Empty description={t('hh.notices.none')} />
        ) : (
          <ul className="hh-list">
            {notices.data!.items.map((n) => (
              <li key={n.id}>
                <Link to={`/notices/${n.id}`}>
                  <div className="hh-row">
                    {!n.readAt && <Tag color="red">{t('hh.notices.unread')}</Tag>}
                    <strong>{n.title}</strong>
                  </div>
                  <div className="hh-muted">{`${n.publisherUnit} · ${when(n.publishedAt, i18n.language)}`}</div>
                  {n.returnRequest && <Tag color={n.unitReturn ? 'green' : 'orange'}>{n.unitReturn ? t('hh.notices.returned') : t('hh.notices.returnBy', { time: when(n.returnRequest.deadline, i18n.language) })}</Tag>}
                </Link>
              </li>
            ))}
          </ul>
        ))}
      {view === 'messages' &&
        (messages.isLoading ? (
          <Spin />
        ) : (messages.data?.items.length ?? 0) === 0 ? (
          <Empty description={t('hh.notices.noMessages')} />
        ) : (
          <ul className="hh-list">
            {messages.data!.items.map((m) => (
              <li key={m.id}>
                <div>
                  <strong>{localName(m.title, i18n.language)}</strong>
                  <div>{localName(m.body, i18n.language)}</div>
                  <div className="hh-muted">{when(m.createdAt, i18n.language)}</div>
                </div>
              </li>
            ))}
          </ul>
        ))}
    </div>
  );
}

/** One notice: opening it records the read receipt; a requested return is written here. */
export function NoticePage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const notice = useQuery({ queryKey: ['hh-notice', id], queryFn: () => unwrap(api.office.POST('/api/v1/notices/{id}/read', { params: { path: { id } } })) });
  const [form] = Form.useForm<{ text: string }>();
  const submit = useMutation({
    mutationFn: (v: { text: string }) => unwrap(api.office.POST('/api/v1/notices/{id}/return', { params: { path: { id } }, body: { text: v.text } })),
    onSuccess: (n) => {
      client.setQueryData(['hh-notice', id], n);
      void client.invalidateQueries({ queryKey: ['hh-notices'] });
      message.success(t('hh.notices.returned'));
      form.resetFields();
    },
    onError: (err) => void message.error(err.message),
  });
  if (notice.isLoading) return <Spin />;
  if (notice.error) return <Alert type="error" showIcon message={notice.error.message} />;
  const n = notice.data!;
  return (
    <div>
      <Link to="/notices">{t('hh.notices.back')}</Link>
      <div className="hh-card" style={{ marginTop: 8 }}>
        <h2>{n.title}</h2>
        <div className="hh-muted">{`${n.publisherUnit} · ${n.publishedBy} · ${when(n.publishedAt, i18n.language)}`}</div>
        <p style={{ whiteSpace: 'pre-wrap' }}>{n.body}</p>
      </div>
      {n.returnRequest && (
        <div className="hh-card">
          <h2>{t('hh.notices.returnBy', { time: when(n.returnRequest.deadline, i18n.language) })}</h2>
          <p>{n.returnRequest.instructions}</p>
          {n.unitReturn && <Alert type={n.unitReturn.late ? 'warning' : 'success'} showIcon message={t('hh.notices.returnedBy', { by: n.unitReturn.submittedBy, time: when(n.unitReturn.submittedAt, i18n.language) })} style={{ marginBottom: 12 }} />}
          <Form form={form} layout="vertical" onFinish={(v) => submit.mutate(v)}>
            <Form.Item name="text" label={t('hh.notices.returnText')} rules={[{ required: true, whitespace: true, message: t('hh.notices.returnText') }]}>
              <Input.TextArea rows={4} maxLength={5000} />
            </Form.Item>
            <Button type="primary" htmlType="submit" block size="large" loading={submit.isPending}>
              {t('hh.notices.submit')}
            </Button>
          </Form>
        </div>
      )}
    </div>
  );
}
