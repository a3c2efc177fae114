import type { CloudEvent } from '../cloudevents/cloud-event';
import { Events } from './event-catalogue';
import { handlerOf, isCaseStep, isEventOf, type EventHandlers } from './event-handlers';

const event = (type: string, data: unknown) => ({ id: 'e1', type, data }) as unknown as CloudEvent;

describe('handlerOf: a typed handler map keyed by event type', () => {
  const seen: string[] = [];
  const handlers: EventHandlers<'tierSummary' | 'caseProgressedUp'> = {
    tierSummary: async (e) => void seen.push(`summary ${e.data.tier}`),
    caseProgressedUp: async (e) => void seen.push(`up ${e.data.to}`),
  };

  it('finds the handler of the event type and gives it the event', async () => {
    seen.length = 0;
    await handlerOf(handlers, event(Events.tierSummary.type, { tier: '350206001' }))!();
    await handlerOf(handlers, event(Events.caseProgressedUp.type, { to: '350206' }))!();
    expect(seen).toEqual(['summary 350206001', 'up 350206']);
  });

  it('has none for another type of the catalogue, for an unknown type, or for an inherited key', () => {
    expect(handlerOf(handlers, event(Events.caseUrged.type, {}))).toBeUndefined();
    expect(handlerOf(handlers, event('gm.nothing.v1', {}))).toBeUndefined();
    expect(handlerOf(handlers, event('toString', {}))).toBeUndefined();
  });

  it('narrows by type: one event of the catalogue, or any of the workflow steps', () => {
    expect(isEventOf('tierSummary', event(Events.tierSummary.type, {}))).toBe(true);
    expect(isEventOf('tierSummary', event(Events.caseUrged.type, {}))).toBe(false);
    for (const t of [Events.caseUrged.type, Events.caseAccepted.type, Events.caseClosed.type]) expect(isCaseStep(event(t, {}))).toBe(true);
    for (const t of [Events.caseReported.type, Events.caseOverdue.type, Events.tierSummary.type, 'gm.case.nothing.v1']) expect(isCaseStep(event(t, {}))).toBe(false);
  });
});
