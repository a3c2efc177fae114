import { useCallback, useEffect, useRef, useState } from 'react';
import { App, Button, Descriptions, Empty } from 'antd';
import { PlayCircleOutlined, StopOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { unwrap } from '../../shared/api/client';
import { useAuth } from '../../shared/auth/AuthProvider';
import { trackLength, type Fix } from '../geo';
import { gateway, readThrough } from '../handheld-api';
import { usePatrol } from '../handheld-data';
import { db } from '../offline/db';
import { enqueue } from '../offline/queue';

/** Points worse than this (metres) are left off the track on the phone (the tier filters again by its own setting). */
const TRACK_MAX_ACCURACY_M = 50;
/** Points are queued in small batches: a lost phone loses at most this many. */
const FLUSH_POINTS = 5;
const FLUSH_MS = 20_000;

interface ActivePatrol {
  readonly patrolId: string;
  readonly startedAt: string;
  readonly track: Fix[];
  readonly buffer: Fix[];
  readonly filtered: number;
}

const keyOf = (owner: string) => `patrol:${owner}`;

async function loadActive(owner: string): Promise<ActivePatrol | undefined> {
  return (await db.snapshots.get(keyOf(owner)))?.value as ActivePatrol | undefined;
}

async function saveActive(owner: string, p: ActivePatrol | undefined): Promise<void> {
  if (p) await db.snapshots.put({ key: keyOf(owner), value: p, savedAt: new Date().toISOString() });
  else await db.snapshots.delete(keyOf(owner));
}

/**
 * 巡查: start, walk, stop. The phone's GPS track is filtered by accuracy, queued in small batches
 * with the sync engine (the same points feed the command centre's live map), and survives closing
 * the app (the patrol under way is kept on the device and resumed). Once stopped and sent, the
 * tier answers the distance, the duration and how much of the grid the track covered.
 */
export function PatrolPage() {
  const { t, i18n } = useTranslation();
  const { principal } = useAuth();
  const { message } = App.useApp();
  const owner = principal.subject;
  const [active, setActive] = useState<ActivePatrol>();
  const [loaded, setLoaded] = useState(false);
  const [ended, setEnded] = useState<string>();
  const [now, setNow] = useState(Date.now());
  const ref = useRef<ActivePatrol | undefined>(undefined);
  const lastFlush = useRef(Date.now());

  const update = useCallback(
    async (next: ActivePatrol | undefined) => {
      ref.current = next;
      setActive(next);
      await saveActive(owner, next);
    },
    [owner],
  );

  const flush = useCallback(async () => {
    const p = ref.current;
    if (!p || p.buffer.length === 0) return;
    lastFlush.current = Date.now();
    await update({ ...p, buffer: [] });
    await enqueue(owner, { type: 'patrol-points', summary: t('hh.patrol.pointsSummary', { count: p.buffer.length }), body: { patrolId: p.patrolId, points: p.buffer } });
  }, [owner, t, update]);

  const take = useCallback(
    async (pos: GeolocationPosition) => {
      const p = ref.current;
      if (!p) return;
      const fix: Fix = { latitude: pos.coords.latitude, longitude: pos.coords.longitude, accuracy: pos.coords.accuracy, at: new Date(pos.timestamp || Date.now()).toISOString() };
      if (fix.accuracy > TRACK_MAX_ACCURACY_M) return update({ ...p, filtered: p.filtered + 1 });
      const last = p.track[p.track.length - 1];
      if (last && last.latitude === fix.latitude && last.longitude === fix.longitude) return;
      await update({ ...p, track: [...p.track, fix], buffer: [...p.buffer, fix] });
      if (ref.current!.buffer.length >= FLUSH_POINTS || Date.now() - lastFlush.current > FLUSH_MS) await flush();
    },
    [flush, update],
  );

  useEffect(() => {
    void loadActive(owner).then((p) => {
      ref.current = p;
      setActive(p);
      setLoaded(true);
    });
  }, [owner]);

  // While a patrol is under way: follow the GPS, and look again every few seconds (some phones report only on movement).
  useEffect(() => {
    if (!active?.patrolId || !('geolocation' in navigator)) return;
    const options = { enableHighAccuracy: true, maximumAge: 0, timeout: 20_000 };
    const watch = navigator.geolocation.watchPosition((pos) => void take(pos), () => undefined, options);
    const poll = setInterval(() => {
      navigator.geolocation.getCurrentPosition((pos) => void take(pos), () => undefined, options);
      setNow(Date.now());
      if (Date.now() - lastFlush.current > FLUSH_MS) void flush();
    }, 3000);
    return () => {
      navigator.geolocation.clearWatch(watch);
      clearInterval(poll);
    };
  }, [active?.patrolId, take, flush]);

  const start = async () => {
    const p: ActivePatrol = { patrolId: crypto.randomUUID(), startedAt: new Date().toISOString(), track: [], buffer: [], filtered: 0 };
    await enqueue(owner, { type: 'patrol-start', summary: t('hh.patrol.startSummary'), body: { patrolId: p.patrolId, startedAt: p.startedAt } });
    lastFlush.current = Date.now();
    setEnded(undefined);
    await update(p);
    message.success(t('hh.patrol.started'));
  };

  const stop = async () => {
    const p = ref.current;
    if (!p) return;
    await flush();
    await enqueue(owner, { type: 'patrol-stop', summary: t('hh.patrol.stopSummary'), body: { patrolId: p.patrolId, endedAt: new Date().toISOString() } });
    await update(undefined);
    setEnded(p.patrolId);
  };

  const done = usePatrol(ended, !!ended);
  const recent = useQuery({
    networkMode: 'always',
    retry: 0,
    queryKey: ['patrols', owner, ended, done.data?.endedAt ?? null],
    queryFn: () => readThrough(`patrols:${owner}`, () => unwrap(gateway.GET('/api/v1/patrols', { params: { query: { limit: 10 } } }))),
  });

  const km = (m: number) => (m / 1000).toLocaleString(i18n.language, { maximumFractionDigits: 2, minimumFractionDigits: 2 });
  const duration = (s: number) => (s < 60 ? t('hh.patrol.seconds', { n: Math.max(0, Math.round(s)) }) : t('hh.patrol.minutes', { n: Math.floor(s / 60).toLocaleString(i18n.language) }));
  if (!loaded) return null;

  return (
    <div>
      <h2 style={{ fontSize: 22, margin: '4px 0 12px' }}>{t('hh.patrol.title')}</h2>
      {active ? (
        <section className="hh-card" aria-label={t('hh.patrol.underway')}>
          <h2>{t('hh.patrol.underway')}</h2>
          <Descriptions column={1} size="small">
            <Descriptions.Item label={t('hh.patrol.elapsed')}>{duration((now - Date.parse(active.startedAt)) / 1000)}</Descriptions.Item>
            <Descriptions.Item label={t('hh.patrol.distance')}>
              <span className="hh-stat" aria-label={t('hh.patrol.distance')}>{t('hh.patrol.km', { km: km(trackLength(active.track)) })}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('hh.patrol.points')}>{t('hh.patrol.pointsKept', { kept: active.track.length, filtered: active.filtered })}</Descriptions.Item>
          </Descriptions>
          <Button danger type="primary" icon={<StopOutlined />} block onClick={() => void stop()}>
            {t('hh.patrol.stop')}
          </Button>
        </section>
      ) : (
        <Button type="primary" icon={<PlayCircleOutlined />} block style={{ minHeight: 64, fontSize: 20, marginBottom: 12 }} onClick={() => void start()}>
          {t('hh.patrol.start')}
        </Button>
      )}
      {ended && (
        <section className="hh-card" aria-label={t('hh.patrol.result')}>
          <h2>{t('hh.patrol.result')}</h2>
          {done.data ? (
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('hh.patrol.distance')}>{t('hh.patrol.km', { km: km(done.data.distanceM) })}</Descriptions.Item>
              <Descriptions.Item label={t('hh.patrol.duration')}>{duration(done.data.durationS ?? 0)}</Descriptions.Item>
              <Descriptions.Item label={t('hh.patrol.coverage')}>
                {done.data.coverage ? t('hh.patrol.coverageValue', { pct: Math.round(done.data.coverage.share * 100), m: done.data.coverage.withinM }) : t('hh.patrol.coveragePending')}
              </Descriptions.Item>
            </Descriptions>
          ) : (
            <p className="hh-muted">{t('hh.patrol.resultPending')}</p>
          )}
        </section>
      )}
      <h3 style={{ fontSize: 18 }}>{t('hh.patrol.recent')}</h3>
      {recent.data?.items.length ? (
        <ul className="hh-list">
          {recent.data.items.map((p) => (
            <li key={p.id}>
              <div>
                <div className="hh-row">
                  <strong>{new Date(p.startedAt).toLocaleString(i18n.language, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' })}</strong>
                  <span>{t('hh.patrol.km', { km: km(p.distanceM) })}</span>
                  {p.coverage && <span>{t('hh.patrol.coverageShort', { pct: Math.round(p.coverage.share * 100) })}</span>}
                  {!p.endedAt && <span className="hh-muted">{t('hh.patrol.open')}</span>}
                </div>
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <Empty description={t('hh.patrol.none')} />
      )}
    </div>
  );
}
