import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { DomainError, type AttachmentUpload, type FieldError, type Principal } from '@gm/contracts';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { Attachment } from './attachment.entity';
import { AttachmentRelayService } from './attachment-relay.service';
import { ObjectStorage } from './object-storage.service';

import { ATTACHMENT_TYPES, type AttachmentType } from './attachment-types';

export { ATTACHMENT_TYPES, type AttachmentType };

/** How long a handheld has to upload after announcing, and how long a read link lives (seconds). */
const UPLOAD_SECONDS = 15 * 60;
const READ_SECONDS = 5 * 60;

/**
 * Photos and other attachments of reports: the handheld announces one (type, size), gets a
 * presigned PUT URL and uploads straight to the tier's bucket; the key then goes into a report's
 * `evidence`, which is accepted only for the uploader and only once the object is really there.
 */
@Injectable()
export class AttachmentService {
  constructor(
    private readonly orm: MikroORM,
    private readonly storage: ObjectStorage,
    private readonly relay: AttachmentRelayService,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Copies of other tiers' attachments being fetched now, by where they will be kept: one fetch each. */
  private readonly fetching = new Map<string, Promise<void>>();

  async announce(principal: Principal, contentType: AttachmentType, sizeBytes: number): Promise<AttachmentUpload> {
    const max = this.config.own.ATTACHMENT_MAX_BYTES;
    if (sizeBytes > max) throw DomainError.validation([{ field: 'sizeBytes', message: `attachments may be at most ${max} bytes` }]);
    const now = new Date();
    const key = `attachments/${now.toISOString().slice(0, 7)}/${randomUUID()}.${ATTACHMENT_TYPES[contentType]}`;
    const uploadUrl = await this.storage.presignedPut(key, UPLOAD_SECONDS);
    const row = new Attachment();
    row.key = key;
    row.uploaderSubject = principal.subject;
    row.contentType = contentType;
    row.sizeBytes = sizeBytes;
    await this.orm.em.fork().persist(row).flush();
    return {
      key,
      upload: { method: 'PUT', url: uploadUrl, headers: { 'content-type': contentType } },
      expiresAt: new Date(now.getTime() + UPLOAD_SECONDS * 1000).toISOString(),
    };
  }

  /**
   * Checks that each key was announced by `principal` and uploaded with the announced size at
   * most; throws REQUEST.VALIDATION_FAILED naming `evidence.<i>` for each that is not.
   */
  async verifyEvidence(principal: Principal, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    if (!this.storage.configured) {
      throw DomainError.validation([{ field: 'evidence', message: 'this tier has no attachment storage: send the report without evidence' }]);
    }
    const rows = await this.orm.em.fork().find(Attachment, { key: { $in: [...keys] } });
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const errors: FieldError[] = [];
    for (const [i, key] of keys.entries()) {
      const row = byKey.get(key);
      if (!row || row.uploaderSubject !== principal.subject) {
        errors.push({ field: `evidence.${i}`, message: 'not an attachment you announced (POST /api/v1/attachments first)' });
        continue;
      }
      const size = await this.storage.sizeOf(key);
      if (size === undefined) errors.push({ field: `evidence.${i}`, message: 'announced but not uploaded yet' });
      else if (size > row.sizeBytes) errors.push({ field: `evidence.${i}`, message: `the uploaded file is larger than announced (${row.sizeBytes} bytes)` });
    }
    if (errors.length > 0) throw DomainError.validation(errors);
  }

  /**
   * A short-lived link to read an attachment: one uploaded on this tier, or (`holder`) one held by
   * a tier above or below this one in the federation. Another tier's attachment is fetched on its
   * first read and kept in this tier's bucket under `federated/<holder>/<key>`; later reads, even
   * while the holder is cut off, are served from that copy.
   */
  /** The same as a link with its expiry (the console shows photos through it). */
  async readLink(key: string, holder?: string): Promise<{ url: string; expiresAt: string }> {
    const url = await this.readUrl(key, holder);
    return { url, expiresAt: new Date(Date.now() + READ_SECONDS * 1000).toISOString() };
  }

  async readUrl(key: string, holder?: string): Promise<string> {
    if (holder !== undefined && holder !== this.config.tier) return this.storage.presignedGet(await this.keep(key, holder), READ_SECONDS);
    const row = await this.orm.em.fork().findOne(Attachment, { key });
    if (!row || (await this.storage.sizeOf(key)) === undefined) throw new DomainError('ATTACHMENT.NOT_FOUND', `no attachment ${key}`);
    return this.storage.presignedGet(key, READ_SECONDS);
  }

  /**
   * Makes sure this tier's bucket holds a copy of another tier's attachment (fetching it if not)
   * and returns the copy's key. Errors as `readUrl`.
   */
  async keep(key: string, holder: string): Promise<string> {
    const copy = `federated/${holder}/${key}`;
    if ((await this.storage.sizeOf(copy)) === undefined) await this.fetchOnce(copy, holder, key);
    return copy;
  }

  private fetchOnce(copy: string, holder: string, key: string): Promise<void> {
    let pending = this.fetching.get(copy);
    if (!pending) {
      pending = (async () => {
        // A fetch that ended just before this one began may have stored it already.
        if ((await this.storage.sizeOf(copy)) !== undefined) return;
        await this.relay.fetchWhole(holder, key, ({ bytes, contentType }) => this.storage.put(copy, bytes, contentType));
      })().finally(() => this.fetching.delete(copy));
      this.fetching.set(copy, pending);
    }
    return pending;
  }
}
