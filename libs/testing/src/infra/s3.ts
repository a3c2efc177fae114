import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceFor } from './strategy';

/** The MinIO image of docker-compose.yml (test/deploy keeps them equal). */
export const MINIO_IMAGE = 'quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z';

export interface TestS3 {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  close(): Promise<void>;
}

/** An S3-protocol server: S3_ENDPOINT, else a MinIO container, else s3rver in this process. */
export async function provideS3(): Promise<TestS3> {
  switch (sourceFor('S3_ENDPOINT')) {
    case 'env':
      return {
        endpoint: process.env['S3_ENDPOINT']!,
        accessKey: process.env['S3_ACCESS_KEY'] ?? 'minioadmin',
        secretKey: process.env['S3_SECRET_KEY'] ?? 'minioadmin',
        region: process.env['S3_REGION'] ?? 'us-east-1',
        close: async () => undefined,
      };
    case 'container': {
      const { GenericContainer, Wait } = await import('testcontainers');
      const c = await new GenericContainer(process.env['GM_MINIO_IMAGE'] ?? MINIO_IMAGE)
        .withCommand(['server', '/data'])
        .withExposedPorts(9000)
        .withWaitStrategy(Wait.forHttp('/minio/health/live', 9000))
        .start();
      return { endpoint: `http://${c.getHost()}:${c.getMappedPort(9000)}`, accessKey: 'minioadmin', secretKey: 'minioadmin', region: 'us-east-1', close: async () => void (await c.stop()) };
    }
    case 'local':
      return startS3rver();
  }
}

/** s3rver: a real S3 protocol server in Node (no multipart uploads: keep objects small). */
export async function startS3rver(port = 0, directory?: string): Promise<TestS3> {
  const { default: S3rver } = await import('s3rver');
  const dir = directory ?? mkdtempSync(join(tmpdir(), 'gm-s3-'));
  const server = new S3rver({ port, address: '127.0.0.1', directory: dir, silent: true });
  const addr = await server.run();
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    region: 'us-east-1',
    async close() {
      await server.close();
      if (!directory) rmSync(dir, { recursive: true, force: true });
    },
  };
}
