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
import { ObjectStorage } from './object-storage.service';

/** How long a reader waits for one chunk, across every hop; each hop keeps this much back for its own answer. */
const CHUNK_TIMEOUT_MS = 10_000;
const HOP_MARGIN_MS = 250;
const QUEUE = 'mobile-gateway';

/** One chunk's answer, from this tier's bucket or relayed from the next hop. */
interface ChunkAnswer {
  readonly status: AttachmentReadStatus;
  readonly size?: number | undefined;
  readonly contentType?: string | undefined;
  readonly bytes: Uint8Array;
  /** Why, for a status other than ok (kept in this process: not sent). */
  readonly why?: string | undefined;
}

/**
 * Attachments across the tiers of a federation (see `AttachmentRelay` in the contracts). This
 * tier answers chunk requests for objects in its own bucket, passes on requests for objects
 * further down or up the hierarchy, and fetches whole objects for its own readers.
 *
 * Nothing crosses a link but over NATS, one hop at a time, in the child's subject space, so the
 * leafnode permissions that keep tiers apart (ADR 0006) need no exception for it.
 */
@Injectable()
export class AttachmentRelayService implements OnModuleInit, OnApplicationShutdown {
  private readonly here: string;
  private readonly federated: boolean;
  private readonly subscriptions: Subscription[] = [];
  private closing = false;

  constructor(
    private readonly nats: NatsClient,
    private readonly storage: ObjectStorage,
    private readonly orm: MikroORM,
    private readonly logger: JsonLogger,
    @Inject(SERVICE_CONFIG) config: AppConfig,
  ) {
    this.here = config.tier;
    this.federated = config.own.FEDERATION_ENABLED;
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
    if (code.level !== 'grid') this.subscriptions.push(this.subscribe(nc, AttachmentRelay.upSubject(this.here), 'child'));
  }

  private subscribe(nc: NatsConnection, subject: string, asker: AttachmentAsker): Subscription {
    return nc.subscribe(subject, {
      queue: QUEUE,
      callback: (err, msg) => {
        if (err || !msg.reply) return;
        void this.answer(msg, asker).catch((e: unknown) =>
          this.logger.event('warn', 'attachment.relay_failed', { error: e instanceof Error ? e.message : String(e) }, 'AttachmentRelay'),
        );
      },
    });
  }

  /**
   * Answers one chunk request from the parent or a child, on a reply subject of the link's child
   * only (this tier's own space for the parent's requests, a direct child's for a child's): a
   * request naming any other reply subject is dropped, so no request can make this tier publish
   * into a subject of its own services.
   */
  private async answer(msg: Msg, asker: AttachmentAsker): Promise<void> {
    const replyChild = AttachmentRelay.replyChild(msg.reply ?? '');
    const linkChild = asker === 'parent' ? replyChild === this.here : replyChild !== undefined && this.isChild(replyChild);
    if (!linkChild) {
      this.logger.event('warn', 'attachment.request_dropped', { subject: msg.subject, reply: msg.reply ?? null }, 'AttachmentRelay');
      return;
    }
    let answer: ChunkAnswer;
    const parsed = attachmentReadRequestSchema.safeParse(safeJson(msg.data));
    if (!parsed.success) {
      answer = { status: 'failed', bytes: new Uint8Array(), why: 'malformed request' };
    } else {
      const route = routeAttachmentRead(this.here, parsed.data.tier, asker, true);
      answer = await this.chunk(route, parsed.data);
    }
    const h = natsHeaders();
    h.set(AttachmentRelay.headers.status, answer.status);
    if (answer.size !== undefined) h.set(AttachmentRelay.headers.size, String(answer.size));
    if (answer.contentType !== undefined) h.set(AttachmentRelay.headers.contentType, answer.contentType);
    msg.respond(answer.bytes, { headers: h });
  }

  private isChild(code: string): boolean {
    return OrgUnitCode.isValid(code) && OrgUnitCode.parse(code).parent?.value === this.here;
  }

  private async chunk(route: AttachmentRoute, req: AttachmentReadRequest): Promise<ChunkAnswer> {
    switch (route.kind) {
      case 'here':
        return this.readHere(req.key, req.offset);
      case 'refused':
        return { status: 'not_found', bytes: new Uint8Array(), why: route.why };
      default:
        return this.ask(route, req);
    }
  }

  /** A chunk of an attachment uploaded on this tier: announced here and really in the bucket. */
  private async readHere(key: string, offset: number): Promise<ChunkAnswer> {
    try {
      const row = await this.orm.em.fork().findOne(Attachment, { key });
      const stat = row ? await this.storage.stat(key) : undefined;
      if (!row || !stat) return { status: 'not_found', bytes: new Uint8Array(), why: `no attachment ${key} at tier ${this.here}` };
      const bytes = offset < stat.size ? await this.storage.readRange(key, offset, AttachmentRelay.chunkBytes) : Buffer.alloc(0);
      return { status: 'ok', size: stat.size, contentType: row.contentType, bytes };
    } catch (err) {
      return { status: 'failed', bytes: new Uint8Array(), why: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Passes a chunk request one hop on and brings back the answer. */
  private async ask(route: { kind: 'down'; child: string } | { kind: 'up'; parent: string }, req: AttachmentReadRequest): Promise<ChunkAnswer> {
    const nc = this.nats.current();
    if (!nc) return { status: 'unreachable', bytes: new Uint8Array(), why: `tier ${this.here} is not connected to NATS` };
    const link = route.kind === 'down' ? route.child : this.here;
    const next = route.kind === 'down' ? route.child : route.parent;
    const subject = route.kind === 'down' ? AttachmentRelay.downSubject(route.child) : AttachmentRelay.upSubject(route.parent);
    const timeout = req.deadline - Date.now() - HOP_MARGIN_MS;
    if (timeout < 100) return { status: 'unreachable', bytes: new Uint8Array(), why: 'out of time' };
    try {
      const reply = await nc.request(subject, JSON.stringify(req), {
        timeout,
        noMux: true,
        reply: AttachmentRelay.replySubject(link, randomUUID().replaceAll('-', '')),
        headers: injectTrace(),
      });
      const status = reply.headers?.get(AttachmentRelay.headers.status) as AttachmentReadStatus | '' | undefined;
      const size = reply.headers?.get(AttachmentRelay.headers.size);
      const contentType = reply.headers?.get(AttachmentRelay.headers.contentType);
      return {
        status: status || 'failed',
        size: size ? Number(size) : undefined,
        contentType: contentType || undefined,
        bytes: reply.data,
        why: status === 'ok' ? undefined : `tier ${next} answered ${status || 'without a status'}`,
      };
    } catch (err) {
      // No responders (the link or the next hop's gateway is down) or no answer in time.
      return { status: 'unreachable', bytes: new Uint8Array(), why: `tier ${next} does not answer (${err instanceof Error ? err.message : String(err)})` };
    }
  }

  /**
   * The whole of an attachment held by another tier, chunk by chunk, for a reader of this tier.
   * Throws ATTACHMENT.NOT_FOUND (404) when the holder has no such attachment or cannot be reached
   * this way at all, SERVICE.UNAVAILABLE (503) when a link or tier on the way does not answer now.
   */
  async fetchWhole(holder: string, key: string): Promise<{ bytes: Buffer; contentType: string }> {
    const route = routeAttachmentRead(this.here, holder, 'reader', this.federated);
    if (route.kind === 'refused') throw new DomainError('ATTACHMENT.NOT_FOUND', `No attachment ${key} of tier ${holder} can be read here: ${route.why}`);
    if (route.kind === 'here') throw new Error('fetchWhole is for attachments of other tiers');
    const started = Date.now();
    const parts: Uint8Array[] = [];
    let offset = 0;
    let size = 0;
    let contentType = 'application/octet-stream';
    do {
      const answer = await this.ask(route, { tier: holder, key, offset, deadline: Date.now() + CHUNK_TIMEOUT_MS });
      if (answer.status !== 'ok' || answer.size === undefined) {
        this.logger.event('warn', 'attachment.fetch_failed', { holder, key, status: answer.status, why: answer.why }, 'AttachmentRelay');
        if (answer.status === 'not_found') throw new DomainError('ATTACHMENT.NOT_FOUND', `Tier ${holder} has no attachment ${key}`);
        throw new DomainError('SERVICE.UNAVAILABLE', `The tier that holds this attachment (${holder}) cannot be reached now; try again later`);
      }
      if (offset > 0 && answer.size !== size) throw new DomainError('SERVICE.UNAVAILABLE', `The attachment ${key} changed while it was being read; try again`);
      size = answer.size;
      contentType = answer.contentType ?? contentType;
      if (answer.bytes.length === 0 && offset < size) throw new DomainError('SERVICE.UNAVAILABLE', `Tier ${holder} sent an empty chunk of ${key}; try again later`);
      parts.push(answer.bytes);
      offset += answer.bytes.length;
    } while (offset < size);
    if (offset !== size) throw new DomainError('SERVICE.UNAVAILABLE', `Tier ${holder} sent ${offset} bytes of ${key} instead of ${size}; try again later`);
    this.logger.event('info', 'attachment.fetched', { holder, key, bytes: size, chunks: parts.length, ms: Date.now() - started }, 'AttachmentRelay');
    return { bytes: Buffer.concat(parts), contentType };
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data)) as unknown;
  } catch {
    return undefined;
  }
}
