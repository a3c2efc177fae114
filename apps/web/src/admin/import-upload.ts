import i18n from 'i18next';
import { ApiError, type ApiErrorBody } from '../shared/api/client';
import { accessToken, renewOrSignIn } from '../shared/auth/auth';
import type { paths as BaseData } from '../shared/api/generated/base-data';
import type { paths as Gis } from '../shared/api/generated/gis';
import type { components, paths as SystemAdmin } from '../shared/api/generated/system-admin';

type BaseDataKind = BaseData['/api/v1/imports/{kind}']['post']['parameters']['path']['kind'];
export type ImportKind = 'org-units' | 'staff' | 'boundaries' | BaseDataKind;

/** The kinds in the order the page offers them (the tree first: everything else hangs off its codes). */
export const IMPORT_KINDS: readonly ImportKind[] = ['org-units', 'staff', 'boundaries', 'buildings', 'houses', 'households', 'residents', 'organisations', 'city-objects'];

export type CsvImportResult = components['schemas']['CsvImportResult'];
/** A refused file's error body: the errors name their line (CSV) or feature (GeoJSON). */
export type ImportErrorBody = components['schemas']['ErrorBody'];
export type RowError = NonNullable<ImportErrorBody['errors']>[number];

/** What gis answers to a boundary import (counts, and the coverage of the parents touched). */
export type BoundaryImportResult = Gis['/api/v1/boundaries/import']['post']['responses'][200]['content']['application/json'];

export type ImportOutcome = { readonly format: 'csv'; readonly result: CsvImportResult } | { readonly format: 'geojson'; readonly result: BoundaryImportResult };

export interface ImportTarget {
  readonly service: 'system-admin' | 'gis' | 'base-data';
  readonly path: string;
  readonly contentType: 'text/csv' | 'application/geo+json';
  readonly format: 'csv' | 'geojson';
  /** Whether the service can import the valid rows and list the rest (`partial=true`). */
  readonly partial: boolean;
  readonly accept: string;
}

const CSV = { contentType: 'text/csv', format: 'csv', partial: true, accept: '.csv,text/csv' } as const;

/** Where each kind goes (the paths are checked against the OpenAPI documents at build time). */
export function importTarget(kind: ImportKind): ImportTarget {
  switch (kind) {
    case 'org-units':
      return { service: 'system-admin', path: '/api/v1/org-units/import' satisfies keyof SystemAdmin, ...CSV };
    case 'staff':
      return { service: 'system-admin', path: '/api/v1/staff/import' satisfies keyof SystemAdmin, ...CSV };
    case 'boundaries':
      return { service: 'gis', path: '/api/v1/boundaries/import' satisfies keyof Gis, contentType: 'application/geo+json', format: 'geojson', partial: false, accept: '.geojson,.json,application/geo+json' };
    default:
      return { service: 'base-data', path: ('/api/v1/imports/{kind}' satisfies keyof BaseData).replace('{kind}', kind), ...CSV };
  }
}

/**
 * Sends a file to its service through the console's `/svc/<service>/…` proxy. An XMLHttpRequest, not
 * fetch, because only it reports upload progress (0–100; 100 once the file is sent and the service is
 * checking and writing). A refused file rejects with an ApiError carrying the service's errors.
 */
export async function uploadImport(kind: ImportKind, file: File, partial: boolean, progress: (percent: number) => void): Promise<ImportOutcome> {
  const target = importTarget(kind);
  const token = await accessToken();
  const query = target.partial ? `?partial=${partial ? 'true' : 'false'}` : '';
  return new Promise<ImportOutcome>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/svc/${target.service}${target.path}${query}`);
    xhr.setRequestHeader('content-type', target.contentType);
    xhr.setRequestHeader('accept-language', i18n.language === 'en' ? 'en' : 'zh-CN');
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && progress(Math.min(100, Math.round((e.loaded / e.total) * 100)));
    xhr.upload.onload = () => progress(100);
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body !== undefined) {
        resolve(target.format === 'csv' ? { format: 'csv', result: body as CsvImportResult } : { format: 'geojson', result: body as BoundaryImportResult });
        return;
      }
      if (xhr.status === 401) void renewOrSignIn();
      reject(new ApiError(xhr.status, body as ApiErrorBody | undefined));
    };
    xhr.onerror = () => reject(new ApiError(0, undefined));
    xhr.send(file);
  });
}

/** The row (or feature) errors of a refused import, as the service listed them. */
export function rowErrorsOf(err: unknown): readonly RowError[] {
  return err instanceof ApiError ? ((err.body as ImportErrorBody | undefined)?.errors ?? []) : [];
}
