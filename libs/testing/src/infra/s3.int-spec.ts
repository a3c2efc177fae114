import { Client } from 'minio';
import { provideS3, type TestS3 } from './s3';

describe('the harness S3 server speaks S3 to the minio client', () => {
  let s3: TestS3;
  let client: Client;

  beforeAll(async () => {
    s3 = await provideS3();
    const url = new URL(s3.endpoint);
    client = new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: url.protocol === 'https:', accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region });
  });
  afterAll(() => s3.close());

  it('creates a bucket, puts, stats, gets, lists and removes an object', async () => {
    const bucket = `gm-test-${Date.now()}`;
    await client.makeBucket(bucket, s3.region);
    expect(await client.bucketExists(bucket)).toBe(true);
    const photo = Buffer.from('synthetic photo bytes: not a real picture');
    await client.putObject(bucket, 'cases/abc/photo-1.jpg', photo, photo.length, { 'Content-Type': 'image/jpeg' });
    const stat = await client.statObject(bucket, 'cases/abc/photo-1.jpg');
    expect(stat.size).toBe(photo.length);
    const chunks: Buffer[] = [];
    for await (const c of await client.getObject(bucket, 'cases/abc/photo-1.jpg')) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(photo)).toBe(true);
    const names: string[] = [];
    for await (const o of client.listObjectsV2(bucket, 'cases/', true)) names.push((o as { name: string }).name);
    expect(names).toEqual(['cases/abc/photo-1.jpg']);
    await client.removeObject(bucket, 'cases/abc/photo-1.jpg');
    await expect(client.statObject(bucket, 'cases/abc/photo-1.jpg')).rejects.toThrow();
  });

  it('signs a presigned GET that works over plain HTTP', async () => {
    const bucket = `gm-presign-${Date.now()}`;
    await client.makeBucket(bucket, s3.region);
    await client.putObject(bucket, 'a.txt', Buffer.from('hello'), 5);
    const url = await client.presignedGetObject(bucket, 'a.txt', 60);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
  });
});
