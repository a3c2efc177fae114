import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Client } from 'minio';
import { DomainError } from '@gm/contracts';
import { SERVICE_CONFIG } from '@gm/platform';
import { JsonLogger } from '@gm/telemetry';
import type { AppConfig } from '../config/config';

/** The tier's bucket through the `minio` client (any S3-compatible server). */
@Injectable()
export class ObjectStorage {
  private readonly client: Client | undefined;
  /** Signs the links handed to devices: the storage by its public name (no request is made through it). */
  private readonly publicClient: Client | undefined;
  readonly bucket: string;
  private bucketReady: Promise<void> | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
    private readonly logger: JsonLogger,
  ) {
    const own = config.own;
    this.bucket = own.S3_BUCKET ?? `gm-${config.tier.toLowerCase()}`;
    if (own.S3_ENDPOINT && own.S3_ACCESS_KEY && own.S3_SECRET_KEY) {
      const clientFor = (endpoint: string) => {
        const url = new URL(endpoint);
        return new Client({
          endPoint: url.hostname,
          port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
          useSSL: url.protocol === 'https:',
          accessKey: own.S3_ACCESS_KEY!,
          secretKey: own.S3_SECRET_KEY!,
          // Set, so that signing a link never asks the server for the bucket's region.
          region: own.S3_REGION,
        });
      };
      this.client = clientFor(own.S3_ENDPOINT);
      this.publicClient = own.S3_PUBLIC_ENDPOINT ? clientFor(own.S3_PUBLIC_ENDPOINT) : this.client;
    }
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  async presignedPut(key: string, expirySeconds: number): Promise<string> {
    await this.ready();
    return this.publicClient!.presignedPutObject(this.bucket, key, expirySeconds);
  }

  async presignedGet(key: string, expirySeconds: number): Promise<string> {
    await this.ready();
    return this.publicClient!.presignedGetObject(this.bucket, key, expirySeconds);
  }

  /** Size of the stored object, or undefined when nothing was uploaded under the key. */
  async sizeOf(key: string): Promise<number | undefined> {
    return (await this.stat(key))?.size;
  }

  /** Size and ETag of the stored object, or undefined when there is none under the key. */
  async stat(key: string): Promise<{ size: number; etag: string } | undefined> {
    const client = await this.ready();
    try {
      const s = await client.statObject(this.bucket, key);
      return { size: s.size, etag: s.etag };
    } catch (err) {
      if ((err as { code?: string }).code === 'NotFound' || (err as { code?: string }).code === 'NoSuchKey') return undefined;
      throw this.unavailable(err);
    }
  }

  /** Up to `length` bytes of the object from `offset`. */
  async readRange(key: string, offset: number, length: number): Promise<Buffer> {
    const client = await this.ready();
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await client.getPartialObject(this.bucket, key, offset, length)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  /** Stores `bytes` under `key` (replacing what was there). */
  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const client = await this.ready();
    try {
      await client.putObject(this.bucket, key, bytes, bytes.length, { 'Content-Type': contentType });
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  private async ready(): Promise<Client> {
    const client = this.client;
    if (!client) throw new DomainError('SERVICE.UNAVAILABLE', 'No object storage is configured for attachments on this tier (S3_ENDPOINT)');
    this.bucketReady ??= (async () => {
      if (!(await client.bucketExists(this.bucket))) await client.makeBucket(this.bucket, this.config.own.S3_REGION);
      const origins = this.config.own.S3_CORS_ORIGINS;
      if (origins) await this.allowBrowsers(client, origins);
    })().catch((err: unknown) => {
      this.bucketReady = undefined;
      throw this.unavailable(err);
    });
    await this.bucketReady;
    return client;
  }

  /**
   * Lets browsers of these origins PUT and GET objects through presigned links (the console's
   * evidence upload, photos in `<img>`); the minio client has no call for bucket CORS, so the
   * S3 request is made through its signed-request primitive.
   */
  private async allowBrowsers(client: Client, origins: readonly string[]): Promise<void> {
    const xml =
      '<CORSConfiguration><CORSRule>' +
      origins.map((o) => `<AllowedOrigin>${o.replace(/[<>&]/g, '')}</AllowedOrigin>`).join('') +
      '<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>' +
      '<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3600</MaxAgeSeconds>' +
      '</CORSRule></CORSConfiguration>';
    const md5 = createHash('md5').update(xml).digest('base64');
    await client.makeRequestAsyncOmit({ method: 'PUT', bucketName: this.bucket, query: 'cors', headers: { 'Content-MD5': md5, 'Content-Type': 'application/xml' } }, xml, [200, 204]);
  }

  private unavailable(err: unknown): DomainError {
    this.logger.event('warn', 'storage.unavailable', { error: err instanceof Error ? err.message : String(err) }, 'ObjectStorage');
    return new DomainError('SERVICE.UNAVAILABLE', 'The attachment storage does not answer; try again later');
  }
}
