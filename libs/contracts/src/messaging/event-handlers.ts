import type { CloudEvent } from '../cloudevents/cloud-event';
import { caseTransitionDataSchema, type CaseTransitionData } from '../cases/case-events';
import { Events, type EventData, type EventKey } from './event-catalogue';

/**
 * A consumer's handlers, keyed by the catalogue's event keys: each receives its event typed by the
 * event's own definition, so no handler casts `CloudEvent<unknown>` itself.
 */
export type EventHandlers<K extends EventKey> = { readonly [P in K]: (event: CloudEvent<EventData<P>>) => Promise<void> };

const keyByType = new Map<string, EventKey>((Object.keys(Events) as EventKey[]).map((k) => [Events[k].type, k]));

/**
 * The handler of `event`'s type in `handlers`, bound to the event, or undefined when the map has
 * none (an event of another family travelling the same stream). The event's data was checked
 * against its schema where it was received (the consumer's envelope check).
 */
export function handlerOf<K extends EventKey>(handlers: EventHandlers<K>, event: CloudEvent): (() => Promise<void>) | undefined {
  const key = keyByType.get(event.type);
  if (key === undefined || !Object.hasOwn(handlers, key)) return undefined;
  const handle = handlers[key as K] as (e: CloudEvent) => Promise<void>;
  return () => handle(event);
}

/** Whether `event` is the catalogue's event `key`: narrows its data to that event's own type (for filters and folds). */
export function isEventOf<K extends EventKey>(key: K, event: CloudEvent): event is CloudEvent<EventData<K>> {
  return event.type === Events[key].type;
}

const STEP_TYPES = new Set<string>(Object.values(Events).filter((e) => e.schema === caseTransitionDataSchema).map((e) => e.type));

/** Whether `event` is one of the workflow's step events (`gm.case.<action>.v1`), whose data is `CaseTransitionData`. */
export function isCaseStep(event: CloudEvent): event is CloudEvent<CaseTransitionData> {
  return STEP_TYPES.has(event.type);
}
