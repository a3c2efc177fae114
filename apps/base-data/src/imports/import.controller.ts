import { Body, Controller, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { baseDataKindSchema, csvImportResultSchema, DomainError, type BaseDataKind, type CsvImportResult, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse, SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';
import { BaseDataImportService } from './import.service';

const importQuery = z.object({ partial: z.enum(['true', 'false']).default('false') });

/** Counts bytes on the way through and stops past the limit. */
async function* limited(body: Readable, maxBytes: number): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) throw new DomainError('REQUEST.BODY_TOO_LARGE', `the file exceeds ${maxBytes} bytes`);
    yield buf;
  }
}

@ApiTags('imports 导入')
@Controller('api/v1/imports')
export class ImportController {
  constructor(
    private readonly imports: BaseDataImportService,
    @Inject(SERVICE_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post(':kind')
  @HttpCode(200)
  @Roles('admin')
  @ApiConsumes('text/csv')
  @ApiQuery({ name: 'partial', required: false, description: 'true: import the good rows and report the bad ones' })
  @ApiOperation({
    summary: '导入基础数据 Import a CSV file of one kind (buildings, houses, households, residents, organisations, city-objects)',
    description: 'Streams through COPY; every row is checked; all or nothing unless partial=true; errors name their line. Upsert by natural key: re-importing changes nothing.',
  })
  @ApiJsonResponse(200, 'Imported (with partial=true: the good rows, and the bad ones listed)', csvImportResultSchema)
  @ApiErrorResponses({ 400: 'The file has bad rows (errors name their line); nothing was written', 413: 'The file is too large', 415: 'Not sent as text/csv' })
  import(
    @Param('kind', { schema: baseDataKindSchema }) kind: BaseDataKind,
    @Body() body: unknown,
    @Query({ schema: importQuery }) q: z.infer<typeof importQuery>,
    @CurrentPrincipal() p: Principal,
  ): Promise<CsvImportResult> {
    if (!body || typeof (body as Readable)[Symbol.asyncIterator] !== 'function') throw new DomainError('REQUEST.UNSUPPORTED_MEDIA_TYPE', 'send the file as text/csv');
    return this.imports.import(kind, limited(body as Readable, this.config.own.IMPORT_MAX_BYTES), `${p.subject} (${p.roles.join(',')})`, { partial: q.partial === 'true' });
  }
}
