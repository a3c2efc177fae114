import { randomUUID } from 'node:crypto';
import { caseReceivedV1, createCloudEvent, DomainError } from '@gm/contracts';
import { JsonLogger, type LogSink } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { AttachmentPrefetcher } from './attachment-prefetcher.service';
import type { AttachmentService } from './attachment.service';
import type { ObjectStorage } from './object-storage.service';
import type { DurableConsumers } from '@gm/messaging';

const COMMUNITY = '350206001001';
const GRID = '350206001001-07';
const OTHER_GRID = '350206001001-08';

/** The prefetcher's decisions, with `keep` answering as the holders named in `holders` would. */
function setUp(holders: Record<string, 'ok' | 'away' | 'missing' | 'bad'>, fetchMs = 0) {
  const asked: string[] = [];
  const time = { now: Date.now() };
  const keep = async (key: string, holder: string) => {
    asked.push(`${holder}/${key}`);
    time.now += fetchMs;
    switch (holders[holder]) {
      case 'ok':
        return `federated/${holder}/${key}`;
      case 'missing':
        throw new DomainError('ATTACHMENT.NOT_FOUND');
      case 'bad':
        throw new DomainError('ATTACHMENT.BAD_COPY');
      default:
        throw new DomainError('SERVICE.UNAVAILABLE');
    }
  };
  const lines: Record<string, unknown>[] = [];
  const sink: LogSink = { write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  const config = { tier: COMMUNITY, own: { FEDERATION_ENABLED: true, ATTACHMENT_PREFETCH: true } } as unknown as AppConfig;
  const prefetcher = new AttachmentPrefetcher(
    {} as DurableConsumers,
    { keep } as unknown as AttachmentService,
    { configured: true } as ObjectStorage,
    new JsonLogger('mobile-gateway', 'info', sink),
    config,
  );
  return { prefetcher, asked, time, clock: () => time.now, logs: (msg: string) => lines.filter((l) => l['msg'] === msg) };
}

const received = (attachments: { tier: string; key: string }[], opts: { ownedHere?: boolean; receivedAt?: Date } = {}) =>
  createCloudEvent(
    caseReceivedV1,
    {
      caseId: randomUUID(),
      caseNo: 'C-1',
      gridCode: GRID,
      from: GRID,
      origin: { tier: GRID, caseId: randomUUID(), caseNo: 'G-1' },
      ownedHere: opts.ownedHere ?? true,
      attachments,
      receivedAt: (opts.receivedAt ?? new Date()).toISOString(),
    },
    { source: 'test', tier: COMMUNITY },
  );
const photo = (tier: string, n: number) => ({ tier, key: `attachments/2026-12/photo-${n}.jpg` });

describe('AttachmentPrefetcher', () => {
  it('keeps every photo held elsewhere of a case owned here, and skips its own tier and malformed keys', async () => {
    const { prefetcher, asked, logs } = setUp({ [GRID]: 'ok' });
    await prefetcher.handle(received([photo(GRID, 1), photo(GRID, 2), photo(COMMUNITY, 3), { tier: GRID, key: '../etc/passwd' }]));
    expect(asked).toEqual([`${GRID}/attachments/2026-12/photo-1.jpg`, `${GRID}/attachments/2026-12/photo-2.jpg`]);
    expect(logs('attachment.prefetched')).toEqual([expect.objectContaining({ kept: 2, gaveUp: 0 })]);
  });

  it('fetches nothing for a copy passed on further up, or for a case that arrived over an hour ago', async () => {
    const { prefetcher, asked, logs } = setUp({ [GRID]: 'ok' });
    await prefetcher.handle(received([photo(GRID, 1)], { ownedHere: false }));
    await prefetcher.handle(received([photo(GRID, 1)], { receivedAt: new Date(Date.now() - 61 * 60_000) }));
    expect(asked).toEqual([]);
    expect(logs('attachment.prefetch_not_needed').map((l) => l['reason'])).toEqual(['passed on', 'older than an hour']);
  });

  it('puts off a case whose holder is away (the event comes again), and does not ask that holder again for a while, for any case', async () => {
    const { prefetcher, asked } = setUp({ [GRID]: 'away', [OTHER_GRID]: 'ok' });
    await expect(prefetcher.handle(received([photo(GRID, 1), photo(GRID, 2), photo(OTHER_GRID, 3)]))).rejects.toMatchObject({ code: 'SERVICE.UNAVAILABLE' });
    // The first failure of GRID spares the second photo the wait; the other grid's photo went ahead.
    expect(asked).toEqual([`${GRID}/attachments/2026-12/photo-1.jpg`, `${OTHER_GRID}/attachments/2026-12/photo-3.jpg`]);
    await expect(prefetcher.handle(received([photo(GRID, 4)]))).rejects.toMatchObject({ code: 'SERVICE.UNAVAILABLE' });
    expect(asked).toHaveLength(2);
  });

  it('gives up on a photo the holder does not have or sends badly, without putting the case off', async () => {
    const { prefetcher, logs } = setUp({ [GRID]: 'missing', [OTHER_GRID]: 'bad' });
    await prefetcher.handle(received([photo(GRID, 1), photo(OTHER_GRID, 2)]));
    expect(logs('attachment.prefetch_skipped').map((l) => l['code'])).toEqual(['ATTACHMENT.NOT_FOUND', 'ATTACHMENT.BAD_COPY']);
    expect(logs('attachment.prefetched')).toEqual([expect.objectContaining({ kept: 0, gaveUp: 0 })]);
  });

  it('stops putting a case off an hour after it arrived: readers fetch on demand from then on', async () => {
    // Each try at the holder takes two minutes: the case arrived 59 minutes ago, the try ends past the hour.
    const { prefetcher, clock, time, logs } = setUp({ [GRID]: 'away' }, 2 * 60_000);
    await prefetcher.handle(received([photo(GRID, 1)], { receivedAt: new Date(time.now - 59 * 60_000) }), clock);
    expect(logs('attachment.prefetch_deferred')).toEqual([]);
    expect(logs('attachment.prefetched')).toEqual([expect.objectContaining({ kept: 0, gaveUp: 1 })]);
  });

  it('gives one delivery a minute: what is left waits for the next', async () => {
    const { prefetcher, asked, clock } = setUp({ [GRID]: 'ok' }, 25_000);
    await expect(prefetcher.handle(received([1, 2, 3, 4].map((n) => photo(GRID, n))), clock)).rejects.toMatchObject({ code: 'SERVICE.UNAVAILABLE' });
    expect(asked).toHaveLength(3);
  });
});
