import { Link, useParams } from 'react-router';
import { Alert, Empty, Spin, Tag, Timeline } from 'antd';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../shared/auth/AuthProvider';
import { useCase, useMyCases } from '../handheld-data';

/** 我的案件: what I reported and where it is now (kept for offline). */
export function MyCasesPage() {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const cases = useMyCases(principal.subject);
  if (cases.isLoading) return <Spin size="large" className="gm-fullscreen-center" />;
  if (cases.isError && !cases.data) return <Alert type="warning" showIcon message={t('hh.cases.unavailable')} />;
  const items = cases.data?.items ?? [];
  return (
    <div>
      <h2 style={{ fontSize: 22, margin: '4px 0 12px' }}>{t('hh.cases.title')}</h2>
      {items.length === 0 ? (
        <Empty description={t('hh.cases.none')} />
      ) : (
        <ul className="hh-list" aria-label={t('hh.cases.title')}>
          {items.map((c) => (
            <li key={c.id}>
              <Link to={`/cases/${c.id}`}>
                <div className="hh-row">
                  <strong>{c.caseNo}</strong>
                  <Tag color={c.state === 'closed' ? 'green' : c.state === 'escalated' ? 'purple' : 'blue'}>{t(`states.${c.state}`)}</Tag>
                </div>
                <div style={{ margin: '4px 0' }}>{c.summary}</div>
                <div className="hh-muted">{new Date(c.reportedAt).toLocaleString(i18n.language)}</div>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function MyCasePage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const c = useCase(id);
  return (
    <div>
      {c.data && (
        <>
          <h2 style={{ fontSize: 22, margin: '4px 0 4px' }}>{c.data.case.caseNo}</h2>
          <p className="hh-muted" style={{ marginTop: 0 }}>
            <Tag>{t(`states.${c.data.case.state}`)}</Tag>
          </p>
          <section className="hh-card">
            <p style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{c.data.case.description}</p>
          </section>
        </>
      )}
      <CaseTimeline id={id} />
    </div>
  );
}

/** A case's steps, those taken at the tiers above included (each names its tier). */
export function CaseTimeline({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const c = useCase(id);
  if (c.isLoading) return <Spin />;
  if (!c.data) return <p className="hh-muted">{t('hh.cases.timelineOffline')}</p>;
  return (
    <section className="hh-card" aria-label={t('hh.cases.timeline')}>
      <h2>{t('hh.cases.timeline')}</h2>
      <Timeline
        items={c.data.timeline.entries.map((e) => ({
          content: (
            <div>
              <strong>{t(`actions.${e.action}`, { defaultValue: e.action })}</strong> <span className="hh-muted">→ {t(`states.${e.to}`)}</span>
              <div className="hh-muted">
                {new Date(e.at).toLocaleString(i18n.language)} · {t(`roles.${e.actor.role}`, { defaultValue: e.actor.role })}
                {e.tier ? ` · ${t('hh.cases.atTier', { tier: e.tier })}` : ''}
              </div>
              {e.note && <div>{e.note}</div>}
            </div>
          ),
        }))}
      />
    </section>
  );
}
