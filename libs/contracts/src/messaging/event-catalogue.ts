import type { z } from 'zod';
import { caseReportedV1 } from '../cases/case-events';
import { boundaryImportedV1 } from '../gis/gis';
import { orgImportedV1 } from '../org/org';
import { baseDataImportedV1, residentChangedV1 } from '../base-data/base-data';
import type { EventDefinition } from './define-event';

/** Every event type of the platform. A rename here breaks every publisher and consumer at build time. */
export const Events = {
  caseReported: caseReportedV1,
  boundaryImported: boundaryImportedV1,
  orgImported: orgImportedV1,
  baseDataImported: baseDataImportedV1,
  residentChanged: residentChangedV1,
} as const satisfies Record<string, EventDefinition>;

export type EventKey = keyof typeof Events;
export type EventOf<K extends EventKey> = (typeof Events)[K];
export type EventData<K extends EventKey> = z.infer<EventOf<K>['schema']>;
export type EventType = EventOf<EventKey>['type'];

const byType = new Map<string, EventDefinition>(Object.values(Events).map((e) => [e.type, e]));

export function eventDefinition(type: string): EventDefinition | undefined {
  return byType.get(type);
}
