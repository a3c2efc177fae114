import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  AttachmentRelay,
  attachmentReadRequestSchema,
  DomainError,
  type AttachmentReadRequest,
  type AttachmentReadStatus,
} from '@gm/contracts';
import { OrgUnitCode } from '@gm/domain';
import { injectTrace, natsHeaders, NatsClient } from '@gm/messaging';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';
import { Attachment } from './attachment.entity';
import { routeAttachmentRead, type AttachmentAsker, type AttachmentRoute } from './attachment-route';
import { ChunkAssembler, ChunkRejected } from './chunk-assembler';
import { ObjectStorage } from './object-storage.service';

/** What each hop keeps back from the time it was given, for its own answer. */
const HOP_MARGIN_MS = 250;
/** A reader's whole fetch gives up after this long, however many chunks. */
const FETCH_TIMEOUT_MS = 120_000;
/** Chunk requests this tier works on at once (each may hold a chunk), well above what its own fetches ask of a relay (MAX_FETCHING × CHUNK_WINDOW); past that it says it is busy. */
const MAX_ANSWERING = 64;
/** Whole fetches for this tier's readers at once (each holds up to ATTACHMENT_MAX_BYTES); up to MAX_WAITING more wait their turn. */
const MAX_FETCHING = 4;
const MAX_WAITING = 32;
/** Tries per chunk when a tier on the way is busy or does not answer. */
const CHUNK_ATTEMPTS = 3;
/** Chunk requests of one fetch in flight at once. */
const CHUNK_WINDOW = 4;
const QUEUE = 'mobile-gateway';
const NOTHING = new Uint8Array();

/** One chunk's answer, from this tier's bucket or relayed from the next hop. */
interface ChunkAnswer {
  readonly status: AttachmentReadStatus;
  readonly headers?: { readonly size?: string | undefined; readonly etag?: string | undefined; readonly contentType?: string | undefined };
  readonly bytes: Uint8Array;
  /** Why, for a status other than ok: composed here, safe to show (kept in this process, not sent). */
  readonly why?: string | undefined;
}

/**
 * Attachments across the tiers of a federation (ADR 0010, `AttachmentRelay` in the contracts).
 * This tier answers chunk requests for objects in its own bucket, passes on requests for objects
 * further down or up the hierarchy, and fetches whole objects for its own readers.
 *
 * Nothing crosses a link but over NATS, one hop at a time, in the subject spaces the leafnode
 * permissions give each link (ADR 0006).
 */
@Injectable()
export class AttachmentRelayService implements OnModuleInit, OnApplicationShutdown {
  private readonly here: string;
  private readonly federated: boolean;
  private readonly maxBytes: number;
  private readonly subscriptions: Subscription[] = [];
  private closing = false;
  private answering = 0;
  private fetching = 0;
  private readonly waitingToFetch: (() => void)[] = [];

  constructor(
    private readonly nats: NatsClient,
    private readonly storage: ObjectStorage,
    private readonly orm: MikroORM,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) config: AppConfig,
  ) {
    this.here = config.tier;
    this.federated = config.own.FEDERATION_ENABLED;
    this.maxBytes = config.own.ATTACHMENT_MAX_BYTES;
    if (this.federated && config.namespace !== config.tier) {
      throw new Error(`FEDERATION_ENABLED needs the subject namespace to be the tier code (${config.tier}); NATS_NAMESPACE is ${config.namespace}`);
    }
  }

  onModuleInit(): void {
    if (this.federated) void this.listen();
  }

  onApplicationShutdown(): void {
    this.closing = true;
    for (const s of this.subscriptions) s.unsubscribe();
  }

  private async listen(): Promise<void> {
    const nc = await this.nats.connection();
    if (this.closing) return;
    const code = OrgUnitCode.parse(this.here);
    // nats.js keeps subscriptions across reconnects: one each, for the life of the service.
    if (code.parent) this.subscriptions.push(this.subscribe(nc, AttachmentRelay.downSubject(this.here), 'parent'));
    if (code.level !== 'grid') this.subscriptions.push(this.subscribe(nc, AttachmentRelay.upFromChildren(this.here), 'child'));
  }

  private subscribe(nc: NatsConnection, subject: string, asker: AttachmentAsker): Subscription {
    return nc.subscribe(subject, {
      queue: QUEUE,
      callback: (err, msg) => {
        if (err) return;
        void this.answer(msg, asker).catch((e: unknown) =>
          this.logger.event('warn', 'attachment.relay_failed', { error: e instanceof Error ? e.message : String(e) }, 'AttachmentRelay'),
        );
      },
    });
  }

  /**
   * The child whose space the answer to `msg` must go to, or undefined to drop it: for the parent's
   * requests this tier's own space; for a child's, the space of the child that sent it (the up
   * subject names it, and only its leaf user may publish that subject). Codes must be in their
   * canonical form (`350206001001-07`), exactly as the link's permissions spell them.
   */
  private replyTo(msg: Msg, asker: AttachmentAsker): string | undefined {
    const replyChild = msg.reply ? AttachmentRelay.replyChild(msg.reply) : undefined;
    if (replyChild === undefined) return undefined;
    if (asker === 'parent') return replyChild === this.here ? replyChild : undefined;
    const child = AttachmentRelay.upAsker(msg.subject);
    return child !== undefined && child === replyChild && this.isChild(child) ? child : undefined;
  }

  /** Answers one chunk request from the parent or a child, onto a reply subject of the link's child only. */
  private async answer(msg: Msg, asker: AttachmentAsker): Promise<void> {
    if (this.replyTo(msg, asker) === undefined) {
      this.logger.event('warn', 'attachment.request_dropped', { subject: msg.subject, reply: msg.reply ?? null }, 'AttachmentRelay');
      return;
    }
    let answer: ChunkAnswer;
    if (this.answering >= MAX_ANSWERING) {
      answer = { status: 'unreachable', bytes: NOTHING, why: `tier ${this.here} is busy` };
    } else {
      this.answering++;
      try {
        const parsed = attachmentReadRequestSchema.safeParse(safeJson(msg.data));
        if (!parsed.success) {
          answer = { status: 'failed', bytes: NOTHING, why: 'malformed request' };
        } else {
          const req = { ...parsed.data, budgetMs: Math.min(parsed.data.budgetMs, AttachmentRelay.maxBudgetMs) };
          answer = await this.chunk(routeAttachmentRead(this.here, req.tier, asker, true), req);
        }
      } finally {
        this.answering--;
      }
    }
    const h = natsHeaders();
    h.set(AttachmentRelay.headers.status, answer.status);
    if (answer.headers?.size !== undefined) h.set(AttachmentRelay.headers.size, answer.headers.size);
    if (answer.headers?.etag !== undefined) h.set(AttachmentRelay.headers.etag, answer.headers.etag);
    if (answer.headers?.contentType !== undefined) h.set(AttachmentRelay.headers.contentType, answer.headers.contentType);
    msg.respond(answer.bytes, { headers: h });
  }

  private isChild(code: string): boolean {
    if (!OrgUnitCode.isValid(code)) return false;
    const unit = OrgUnitCode.parse(code);
    return unit.value === code && unit.parent?.value === this.here;
  }

  private async chunk(route: AttachmentRoute, req: AttachmentReadRequest): Promise<ChunkAnswer> {
    switch (route.kind) {
      case 'here': {
        // The database and the bucket get the asker's budget (less the margin), not longer: a hung
        // storage must not keep this tier's answer slots.
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<ChunkAnswer>((resolve) => {
          timer = setTimeout(() => resolve({ status: 'unreachable', bytes: NOTHING, why: `the storage of tier ${this.here} does not answer in time` }), req.budgetMs - HOP_MARGIN_MS);
        });
        try {
          return await Promise.race([this.readHere(req.key, req.offset), late]);
        } finally {
          clearTimeout(timer);
        }
      }
      case 'refused':
        return { status: 'not_found', bytes: NOTHING, why: route.why };
      default:
        return this.ask(route, req);
    }
  }

  /** A chunk of an attachment uploaded on this tier: announced here, in the bucket, no larger than announced. */
  private async readHere(key: string, offset: number): Promise<ChunkAnswer> {
    try {
      const row = await this.orm.em.fork().findOne(Attachment, { key });
      const stat = row ? await this.storage.stat(key) : undefined;
      if (!row || !stat) return { status: 'not_found', bytes: NOTHING, why: `no attachment ${key} at tier ${this.here}` };
      if (stat.size > row.sizeBytes) return { status: 'not_found', bytes: NOTHING, why: `${key} holds more bytes than announced` };
      const bytes = offset < stat.size ? await this.storage.readRange(key, offset, AttachmentRelay.chunkBytes) : NOTHING;
      // Replaced between the look and the read (its upload link lives 15 minutes): say so rather
      // than send a chunk of the new object under the old ETag.
      if (bytes.length > 0 && (await this.storage.stat(key))?.etag !== stat.etag) {
        return { status: 'unreachable', bytes: NOTHING, why: `${key} changed while it was being read` };
      }
      return { status: 'ok', headers: { size: String(stat.size), etag: stat.etag, contentType: row.contentType }, bytes };
    } catch {
      return { status: 'failed', bytes: NOTHING, why: `the storage of tier ${this.here} does not answer` };
    }
  }

  /** Passes a chunk request one hop on and brings back the answer. */
  private async ask(route: { kind: 'down'; child: string } | { kind: 'up'; parent: string }, req: AttachmentReadRequest): Promise<ChunkAnswer> {
    const nc = this.nats.current();
    if (!nc) return { status: 'unreachable', bytes: NOTHING, why: `tier ${this.here} is not connected to NATS` };
    const next = route.kind === 'down' ? route.child : route.parent;
    // This hop waits its budget less a margin for its own answer, and gives the next hop what it waits.
    const timeout = req.budgetMs - HOP_MARGIN_MS;
    if (timeout < 100) return { status: 'unreachable', bytes: NOTHING, why: `out of time at tier ${this.here}` };
    try {
      const reply = await nc.request(
        route.kind === 'down' ? AttachmentRelay.downSubject(route.child) : AttachmentRelay.upSubject(route.parent, this.here),
        JSON.stringify({ ...req, budgetMs: timeout } satisfies AttachmentReadRequest),
        {
          timeout,
          noMux: true,
          // In the space of the link's child: this tier's going up, the child's going down.
          reply: AttachmentRelay.replySubject(route.kind === 'down' ? route.child : this.here, randomUUID().replaceAll('-', '')),
          headers: injectTrace(),
        },
      );
      const get = (name: string) => reply.headers?.get(name) || undefined;
      const status = get(AttachmentRelay.headers.status);
      const known = status === 'ok' || status === 'not_found' || status === 'unreachable' || status === 'failed';
      return {
        status: known ? status : 'failed',
        headers: { size: get(AttachmentRelay.headers.size), etag: get(AttachmentRelay.headers.etag), contentType: get(AttachmentRelay.headers.contentType) },
        bytes: reply.data,
        why: status === 'ok' ? undefined : `tier ${next} answered ${known ? status : 'without a status'}`,
      };
    } catch {
      // No responders (the link or the next hop's gateway is down) or no answer in time.
      return { status: 'unreachable', bytes: NOTHING, why: `tier ${next} does not answer` };
    }
  }

  /**
   * Fetches the whole of an attachment held by another tier, chunk by chunk, and hands it to
   * `keep` (which stores the copy) while this fetch still holds its slot, so that at most
   * MAX_FETCHING objects are in this process's memory at once; up to MAX_WAITING more wait their
   * turn, and the time they wait counts towards FETCH_TIMEOUT_MS. Throws ATTACHMENT.NOT_FOUND (404)
   * when the holder has no such attachment or cannot be reached this way at all, and
   * SERVICE.UNAVAILABLE (503) when a link or tier on the way does not answer now, this tier is
   * busy, or the holder sends what this tier will not take.
   */
  async fetchWhole(holder: string, key: string, keep: (whole: { bytes: Buffer; contentType: string }) => Promise<void>): Promise<void> {
    const route = routeAttachmentRead(this.here, holder, 'reader', this.federated);
    if (route.kind === 'refused') throw new DomainError('ATTACHMENT.NOT_FOUND', `No attachment ${key} of tier ${holder} can be read here: ${route.why}`);
    if (route.kind === 'here') throw new Error('fetchWhole is for attachments of other tiers');
    const started = Date.now();
    if (this.fetching < MAX_FETCHING) this.fetching++;
    else if (this.waitingToFetch.length >= MAX_WAITING) {
      throw new DomainError('SERVICE.UNAVAILABLE', `Tier ${this.here} is fetching as many attachments from other tiers as it can; try again shortly`);
    } else await new Promise<void>((resolve) => this.waitingToFetch.push(resolve));
    try {
      await keep(await this.fetchChunks(route, holder, key, started));
    } finally {
      // The slot goes straight to the next in line, if any.
      const next = this.waitingToFetch.shift();
      if (next) next();
      else this.fetching--;
    }
  }

  private async fetchChunks(route: { kind: 'down'; child: string } | { kind: 'up'; parent: string }, holder: string, key: string, started: number) {
    const assembler = new ChunkAssembler(this.maxBytes, AttachmentRelay.chunkBytes);
    const inFlight: { offset: number; answer: Promise<ChunkAnswer> }[] = [];
    const fail = async (status: AttachmentReadStatus, why: string | undefined): Promise<never> => {
      // The chunks still on their way are waited for (each ends within its budget), so that this
      // fetch's slot is not given to another while they still hold relays' answer slots.
      await Promise.allSettled(inFlight.map((f) => f.answer));
      this.logger.event('warn', 'attachment.fetch_failed', { holder, key, status, why: why ?? null }, 'AttachmentRelay');
      if (status === 'not_found') throw new DomainError('ATTACHMENT.NOT_FOUND', `Tier ${holder} has no attachment ${key}`);
      throw new DomainError('SERVICE.UNAVAILABLE', `The attachment ${key} of tier ${holder} cannot be read now (${why ?? status}); try again later`);
    };
    /** One chunk; asked again (after a pause) when a tier on the way is busy or does not answer, while time is left. */
    const askAt = async (offset: number): Promise<ChunkAnswer> => {
      for (let attempt = 1; ; attempt++) {
        const left = started + FETCH_TIMEOUT_MS - Date.now();
        if (left < 1000) return { status: 'unreachable', bytes: NOTHING, why: `no whole copy after ${FETCH_TIMEOUT_MS / 1000} s` };
        const answer = await this.ask(route, { tier: holder, key, offset, budgetMs: Math.min(AttachmentRelay.maxBudgetMs, left) });
        if (answer.status !== 'unreachable' || attempt >= CHUNK_ATTEMPTS) return answer;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    };
    const take = async (answer: ChunkAnswer, offset: number) => {
      if (answer.status !== 'ok') return fail(answer.status, answer.why);
      try {
        assembler.add({ size: answer.headers?.size, etag: answer.headers?.etag, contentType: answer.headers?.contentType }, answer.bytes, offset);
      } catch (err) {
        if (err instanceof ChunkRejected) {
          // Asking again would fetch the same again: said as such, and not tried again by the prefetcher.
          await Promise.allSettled(inFlight.map((f) => f.answer));
          this.logger.event('warn', 'attachment.fetch_failed', { holder, key, status: 'rejected', why: err.message }, 'AttachmentRelay');
          throw new DomainError('ATTACHMENT.BAD_COPY', `Tier ${holder} sent ${err.message} for ${key}`);
        }
        throw err;
      }
    };
    // The first chunk tells the size; the rest are asked for CHUNK_WINDOW at a time (each hop's
    // round trip overlaps the others'), and taken in order.
    await take(await askAt(0), 0);
    const size = assembler.total!;
    for (let offset = assembler.offset; offset < size || inFlight.length > 0; ) {
      while (offset < size && inFlight.length < CHUNK_WINDOW) {
        inFlight.push({ offset, answer: askAt(offset) });
        offset += AttachmentRelay.chunkBytes;
      }
      const next = inFlight.shift()!;
      await take(await next.answer, next.offset);
    }
    if (!assembler.complete) await fail('failed', `tier ${holder} sent fewer bytes than the ${size} it announced`);
    const whole = assembler.result();
    this.logger.event('info', 'attachment.fetched', { holder, key, bytes: whole.bytes.length, chunks: assembler.chunks, ms: Date.now() - started }, 'AttachmentRelay');
    return whole;
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data)) as unknown;
  } catch {
    return undefined;
  }
}
