import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '@gm/auth';
import { ApiJsonResponse } from '@gm/platform';
import { ResidentService } from '../residents/resident.service';

const readsQuery = z.object({
  resident: z.uuid('resident must be a UUID').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const keyStatusSchema = z
  .object({
    tier: z.string(),
    current: z.number().int().describe('The key id new boxes are sealed with'),
    configured: z.array(z.number().int()).describe('Key ids this tier can open, current first'),
    records: z.array(z.object({ keyId: z.number().int(), residents: z.number().int(), organisations: z.number().int() })).describe('Records sealed with each key id at this tier'),
  })
  .meta({ id: 'PiiKeyStatus' });

@ApiTags('privacy 隐私')
@Controller('api/v1/privacy')
export class PrivacyController {
  constructor(private readonly residents: ResidentService) {}

  @Get('reads')
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: '敏感信息查看记录 Audit of clear reads: who read whose identifiers, when and why' })
  reads(@Query({ schema: readsQuery }) q: z.infer<typeof readsQuery>) {
    return this.residents.reads({ residentId: q.resident, limit: q.limit });
  }

  @Get('keys')
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: '密钥状态 Key ring of this tier: the key ids it holds (current first) and how many records each seals; an old key may be removed only when no tier has records under it' })
  @ApiJsonResponse(200, "This tier's key ring and the records under each key", keyStatusSchema)
  keys() {
    return this.residents.keyStatus();
  }

  @Post('rotate-keys')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: '密钥轮换 Re-encrypt every record under the current key (after adding the new key to PII_KEYS at every tier); in a federation the keeper publishes each as a new version, so the copies follow' })
  rotate() {
    return this.residents.reencrypt();
  }
}
