import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, App, Button, Empty, Form, Input, Spin, Tag } from 'antd';
import { CheckOutlined, PlayCircleOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../shared/auth/AuthProvider';
import { LIGHT_COLOURS, lightOf } from '../../shared/case-labels';
import { localName } from '../../shared/i18n/i18n';
import { PhotoPicker, type PickedPhoto } from '../components/PhotoPicker';
import type { Task } from '../handheld-api';
import { useCategories, useTasks } from '../handheld-data';
import { enqueue, useQueue } from '../offline/queue';
import { CaseTimeline } from './MyCasesPage';

function useCategoryName() {
  const { i18n } = useTranslation();
  const categories = useCategories();
  return (code: string) => {
    const c = categories.data?.find((x) => x.code === code);
    return c ? localName(c, i18n.language) : code;
  };
}

/** The deadline of a task with its light (green, yellow from 80 % of the time, red once overdue). */
export function Deadline({ task }: { task: Pick<Task, 'state' | 'deadlineAt' | 'light'> & { yellowAt?: string | null } }) {
  const { t, i18n } = useTranslation();
  const light = task.light ?? lightOf(task.state, task.deadlineAt ?? null, task.yellowAt ?? null) ?? 'none';
  return (
    <span className="hh-row" aria-label={t(`lights.${light}`)}>
      <span className="hh-light" style={{ background: LIGHT_COLOURS[light] }} />
      {task.deadlineAt ? t('hh.tasks.due', { time: new Date(task.deadlineAt).toLocaleString(i18n.language, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }) }) : t('lights.none')}
    </span>
  );
}

/** 我的任务: cases dispatched to me, most urgent first, with urgings and deadlines; kept for offline. */
export function TasksPage() {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const tasks = useTasks(principal.subject);
  const name = useCategoryName();
  if (tasks.isLoading) return <Spin size="large" className="gm-fullscreen-center" />;
  if (tasks.isError && !tasks.data) return <Alert type="warning" showIcon message={t('hh.tasks.unavailable')} />;
  const items = tasks.data?.items ?? [];
  return (
    <div>
      <h2 style={{ fontSize: 22, margin: '4px 0 12px' }}>{t('hh.tasks.title')}</h2>
      {items.length === 0 ? (
        <Empty description={t('hh.tasks.none')} />
      ) : (
        <ul className="hh-list" aria-label={t('hh.tasks.title')}>
          {items.map((task) => (
            <li key={task.id}>
              <Link to={`/tasks/${task.id}`}>
                <div className="hh-row">
                  <strong>{name(task.categoryCode)}</strong>
                  <Tag>{t(`states.${task.state}`)}</Tag>
                  {task.urgency !== 'normal' && <Tag color="red">{t(`urgency.${task.urgency}`)}</Tag>}
                  {task.urgeCount > 0 && <Tag color="volcano">{t('hh.tasks.urged', { count: task.urgeCount })}</Tag>}
                  {task.gridCode !== principal.orgUnit && <Tag color="purple">{t('hh.tasks.covering', { grid: task.gridCode })}</Tag>}
                </div>
                <div style={{ margin: '4px 0' }}>{task.summary}</div>
                <div className="hh-row hh-muted">
                  <Deadline task={task} />
                  <span>{task.caseNo}</span>
                </div>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** One task: start it, or report it handled with a note and photos (queued like every write). */
export function TaskPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { principal } = useAuth();
  const { message } = App.useApp();
  const tasks = useTasks(principal.subject);
  const queue = useQueue(principal.subject);
  const name = useCategoryName();
  const [form] = Form.useForm<{ note: string }>();
  const [photos, setPhotos] = useState<PickedPhoto[]>([]);
  const task = tasks.data?.items.find((x) => x.id === id);
  const queued = queue.filter((q) => q.type === 'case-action' && (q.body as { caseId?: string }).caseId === id && q.state !== 'refused');
  const pending = (action: string) => queued.some((q) => (q.body as { action?: string }).action === action);

  if (!task) return tasks.isLoading ? <Spin size="large" /> : <Empty description={t('hh.tasks.gone')} />;

  const act = async (action: 'start' | 'handle', body: Record<string, unknown>, withPhotos: PickedPhoto[] = []) => {
    await enqueue(principal.subject, { type: 'case-action', summary: `${t(`actions.${action}`)} · ${task.caseNo}`, body: { caseId: id, action, body }, photos: withPhotos });
    message.success(navigator.onLine ? t('hh.saved.online') : t('hh.saved.offline'));
  };

  return (
    <div>
      <h2 style={{ fontSize: 22, margin: '4px 0 4px' }}>{name(task.categoryCode)}</h2>
      <p className="hh-muted" style={{ marginTop: 0 }}>{task.caseNo}</p>
      <section className="hh-card">
        <p style={{ marginTop: 0 }}>{task.summary}</p>
        {task.address && <p className="hh-muted">{task.address}</p>}
        <Deadline task={task} />
        {task.urgeCount > 0 && <Alert style={{ marginTop: 8 }} type="error" showIcon message={t('hh.tasks.urgedLong', { count: task.urgeCount })} />}
      </section>
      {task.state === 'dispatched' && !pending('start') && !pending('handle') && (
        <Button type="primary" icon={<PlayCircleOutlined />} block style={{ marginBottom: 12 }} onClick={() => void act('start', {})}>
          {t('actions.start')}
        </Button>
      )}
      {pending('handle') ? (
        <Alert type="success" showIcon message={t('hh.tasks.handledQueued')} />
      ) : (
        <Form form={form} layout="vertical" onFinish={(v) => void act('handle', { note: v.note }, photos).then(() => (form.resetFields(), setPhotos([])))}>
          <h3 style={{ fontSize: 18 }}>{t('hh.tasks.handleTitle')}</h3>
          <Form.Item name="note" label={t('inputs.note')} rules={[{ required: true, whitespace: true, message: t('hh.tasks.noteRequired') }]}>
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
          <Form.Item label={t('inputs.evidence')} required>
            <PhotoPicker label={t('hh.report.photosPick')} value={photos} onChange={setPhotos} />
          </Form.Item>
          <Button type="primary" htmlType="submit" icon={<CheckOutlined />} block disabled={photos.length === 0}>
            {t('actions.handle')}
          </Button>
        </Form>
      )}
      <CaseTimeline id={id} />
    </div>
  );
}
