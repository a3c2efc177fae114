import type { paths as CommandCentre } from './generated/command-centre';
import type { paths as PublicSentiment } from './generated/public-sentiment';
import type { paths as SystemAdmin } from './generated/system-admin';
import type { paths as BaseData } from './generated/base-data';
import type { paths as Gis } from './generated/gis';

/** The JSON body of a 2xx answer of an operation, from the generated OpenAPI types. */
export type Json<Op> = Op extends { responses: infer R } ? (R extends { 200: { content: { 'application/json': infer B } } } ? B : R extends { 201: { content: { 'application/json': infer B } } } ? B : never) : never;
export type GeoJson<Op> = Op extends { responses: { 200: { content: { 'application/geo+json': infer B } } } } ? B : Json<Op>;

export type CaseMap = GeoJson<CommandCentre['/api/v1/map/cases']['get']>;
export type CaseMapFeature = CaseMap['features'][number];
export type CaseOverview = Json<CommandCentre['/api/v1/overview']['get']>;
export type WorkerPositions = Json<CommandCentre['/api/v1/workers/positions']['get']>;
export type DispatchSuggestions = Json<CommandCentre['/api/v1/dispatch/suggestions/{caseId}']['get']>;

export type CasePage = Json<PublicSentiment['/api/v1/cases']['get']>;
export type CaseListItem = CasePage['items'][number];
export type CaseView = Json<PublicSentiment['/api/v1/cases/{id}']['get']>;
export type Timeline = Json<PublicSentiment['/api/v1/cases/{id}/timeline']['get']>;
export type CaseRules = Json<PublicSentiment['/api/v1/case-rules']['get']>;
export type CaseActionName = PublicSentiment['/api/v1/cases/{id}/actions/{action}']['post']['parameters']['path']['action'];
export type CaseActionBody = NonNullable<PublicSentiment['/api/v1/cases/{id}/actions/{action}']['post']['requestBody']>['content']['application/json'];

export type Me = Json<SystemAdmin['/api/v1/me']['get']>;
export type OrgUnitDetail = Json<SystemAdmin['/api/v1/org-units/{code}']['get']>;
export type UnitSummary = Json<BaseData['/api/v1/units/{code}/summary']['get']>;
export type Layer = GeoJson<Gis['/api/v1/layers/{level}']['get']>;
