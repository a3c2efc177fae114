import { DomainError } from '@gm/contracts';
import type { CategoryAttribute } from '@gm/domain';

/** Open311 GeoReport v2 as this adapter speaks it: its constants and the shapes on the wire. */

export const OPEN311_FORMATS = ['json', 'xml'] as const;
export type Open311Format = (typeof OPEN311_FORMATS)[number];

export const OPEN311_SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';
/** When this adapter last changed in a way clients should notice (discovery's changeset). */
export const OPEN311_CHANGESET = '2026-12-01T00:00:00Z';
/** Paging of the lists (an extension: the spec leaves the limit to the server). */
export const OPEN311_PAGE_SIZE = { default: 50, max: 200 } as const;
/** Longest span of a date filter, and the default window (the spec's 90 days). */
export const OPEN311_WINDOW_DAYS = 90;

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string | null;
  metadata: boolean;
  type: 'realtime';
  keywords: string | null;
  group: string | null;
}

export interface Open311Attribute {
  variable: boolean;
  code: string;
  datatype: CategoryAttribute['datatype'];
  required: boolean;
  datatype_description: string | null;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

export interface Open311ServiceDefinition {
  service_code: string;
  attributes: Open311Attribute[];
}

export interface Open311Request {
  service_request_id: string;
  status: Open311Status;
  status_notes: string | null;
  service_name: string | null;
  service_code: string;
  description: string | null;
  agency_responsible: string | null;
  service_notice: string | null;
  requested_datetime: string;
  updated_datetime: string | null;
  expected_datetime: string | null;
  address: string | null;
  address_id: string | null;
  zipcode: string | null;
  lat: number | null;
  long: number | null;
  media_url: string | null;
}

/** mySociety's extension: one public step of a request. */
export interface Open311Update {
  update_id: string;
  service_request_id: string;
  status: Open311Status;
  updated_datetime: string;
  description: string;
  media_url: string | null;
}

export interface Open311Created {
  service_request_id: string;
  token: string;
  service_notice: string | null;
  account_id: string | null;
}

export interface Open311Token {
  service_request_id: string;
  token: string;
}

export interface Open311Error {
  code: number;
  description: string;
}

export interface Open311Discovery {
  changeset: string;
  contact: string;
  key_service: string;
  endpoints: { specification: string; url: string; changeset: string; type: 'production'; formats: string[] }[];
}

/** The format of a route's `.{format}` suffix; anything else is an unknown route (404). */
export function open311Format(raw: string | undefined): Open311Format {
  if (raw === 'json' || raw === 'xml') return raw;
  throw new DomainError('REQUEST.ROUTE_NOT_FOUND', `不支持的格式 unsupported format: use .json or .xml`);
}

export type Open311Status = 'open' | 'closed';
