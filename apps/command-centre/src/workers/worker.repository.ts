import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { WorkerPosition, WorkerPositionsReportedV1, WorkerTrack } from '@gm/contracts';
import { SqlRepository } from '@gm/platform';
import { subtreePattern } from '@gm/persistence';

type Client = Pick<pg.PoolClient, 'query'>;

export interface NearWorker {
  readonly subject: string;
  readonly username: string;
  readonly unitCode: string;
  readonly distanceM: number;
  readonly positionAt: Date;
  readonly accuracyM: number;
}

/** The only place that queries workers' last positions and tracks (PostGIS). */
@Injectable()
export class WorkerRepository extends SqlRepository {
  /** Keeps the batch's fixes as track points and moves the last position forward (never back: batches may arrive late). */
  async record(client: Client, batch: WorkerPositionsReportedV1): Promise<void> {
    const w = batch.worker;
    const fixes = batch.fixes;
    await client.query(
      `INSERT INTO ${this.sql.table('worker_track_points')} (subject, at, location, accuracy_m)
       SELECT $1, at, ST_SetSRID(ST_MakePoint(lng, lat), 4326), acc FROM unnest($2::timestamptz[], $3::float8[], $4::float8[], $5::float8[]) AS f(at, lng, lat, acc)
       ON CONFLICT (subject, at) DO NOTHING`,
      [w.subject, fixes.map((f) => f.at), fixes.map((f) => f.longitude), fixes.map((f) => f.latitude), fixes.map((f) => f.accuracy)],
    );
    const last = fixes.reduce((a, b) => (Date.parse(b.at) >= Date.parse(a.at) ? b : a));
    await client.query(
      `INSERT INTO ${this.sql.table('workers')} AS w (subject, username, role, unit_code, location, accuracy_m, position_at)
       VALUES ($1, $2, $3, $4, ST_SetSRID(ST_MakePoint($5, $6), 4326), $7, $8)
       ON CONFLICT (subject) DO UPDATE SET username = EXCLUDED.username, role = EXCLUDED.role, unit_code = EXCLUDED.unit_code,
         location = CASE WHEN EXCLUDED.position_at >= w.position_at THEN EXCLUDED.location ELSE w.location END,
         accuracy_m = CASE WHEN EXCLUDED.position_at >= w.position_at THEN EXCLUDED.accuracy_m ELSE w.accuracy_m END,
         position_at = GREATEST(w.position_at, EXCLUDED.position_at)`,
      [w.subject, w.username, w.role, w.unit, last.longitude, last.latitude, last.accuracy, last.at],
    );
  }

  /** Last positions of the workers of `scope`'s subtree, newest first. */
  async lastPositions(scope: string, now: Date): Promise<WorkerPosition[]> {
    const rows = await this.sql.query<{ subject: string; username: string; role: string; unit_code: string; lng: number; lat: number; accuracy_m: number; position_at: Date }>(
      `SELECT subject, username, role, unit_code, ST_X(location) AS lng, ST_Y(location) AS lat, accuracy_m, position_at
       FROM ${this.sql.table('workers')} WHERE unit_code LIKE $1 ORDER BY position_at DESC LIMIT 5000`,
      [subtreePattern(scope)],
    );
    return rows.map((r) => ({
      subject: r.subject,
      username: r.username,
      role: r.role,
      unitCode: r.unit_code,
      location: { type: 'Point' as const, coordinates: [r.lng, r.lat] as [number, number] },
      accuracyM: r.accuracy_m,
      at: r.position_at.toISOString(),
      ageSeconds: Math.max(0, Math.round((now.getTime() - r.position_at.getTime()) / 1000)),
    }));
  }

  /**
   * Workers of `scope`'s subtree with a position newer than `since`, nearest to the point first
   * (KNN on the GiST index, then the exact geodesic distance).
   */
  async nearest(scope: string, point: { latitude: number; longitude: number }, since: Date, limit: number): Promise<NearWorker[]> {
    const rows = await this.sql.query<{ subject: string; username: string; unit_code: string; distance_m: number; position_at: Date; accuracy_m: number }>(
      `SELECT subject, username, unit_code, position_at, accuracy_m,
              ST_Distance(location::geography, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography) AS distance_m
       FROM (SELECT * FROM ${this.sql.table('workers')}
             WHERE unit_code LIKE $1 AND position_at >= $4 AND role IN ('grid-worker', 'grid-leader')
             ORDER BY location <-> ST_SetSRID(ST_MakePoint($2, $3), 4326) LIMIT $5) near
       ORDER BY distance_m`,
      [subtreePattern(scope), point.longitude, point.latitude, since, limit],
    );
    return rows.map((r) => ({ subject: r.subject, username: r.username, unitCode: r.unit_code, distanceM: Math.round(r.distance_m), positionAt: r.position_at, accuracyM: r.accuracy_m }));
  }

  /** One worker's track in [from, to), oldest first, if the worker belongs to `scope`'s subtree. */
  async track(scope: string, subject: string, from: Date, to: Date): Promise<WorkerTrack | undefined> {
    const [worker] = await this.sql.query<{ subject: string }>(`SELECT subject FROM ${this.sql.table('workers')} WHERE subject = $1 AND unit_code LIKE $2`, [
      subject,
      subtreePattern(scope),
    ]);
    if (!worker) return undefined;
    const points = await this.sql.query<{ at: Date; lng: number; lat: number; accuracy_m: number }>(
      `SELECT at, ST_X(location) AS lng, ST_Y(location) AS lat, accuracy_m FROM ${this.sql.table('worker_track_points')}
       WHERE subject = $1 AND at >= $2 AND at < $3 ORDER BY at LIMIT 20000`,
      [subject, from, to],
    );
    const [len] = await this.sql.query<{ m: number | null }>(
      `SELECT ST_Length(ST_MakeLine(location ORDER BY at)::geography) AS m FROM ${this.sql.table('worker_track_points')} WHERE subject = $1 AND at >= $2 AND at < $3`,
      [subject, from, to],
    );
    return {
      subject,
      from: from.toISOString(),
      to: to.toISOString(),
      points: points.map((p) => ({ at: p.at.toISOString(), latitude: p.lat, longitude: p.lng, accuracyM: p.accuracy_m })),
      lengthM: Math.round(len?.m ?? 0),
    };
  }
}

