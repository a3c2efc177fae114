import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { diaryDateSchema, diaryPageSchema, diaryViewSchema, visitPageSchema, type DiaryView, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { VisitService } from './visit.service';

const WORKERS = ['grid-worker', 'grid-leader'] as const;
const diaryBody = z.object({ text: z.string().trim().min(1, 'text must not be empty').max(10_000, 'text may hold at most 10000 characters') }).strict();
const dayParam = { schema: diaryDateSchema };

@ApiTags('visits and daily logs 走访与民情日记')
@Controller('api/v1')
export class VisitController {
  constructor(private readonly visits: VisitService) {}

  @Get('visits')
  @Roles(...WORKERS)
  @ApiOperation({ summary: '我的走访 Your visits, newest first (made through POST /api/v1/sync, type visit)' })
  @ApiJsonResponse(200, 'Your visits', visitPageSchema)
  async list(@Query({ schema: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict() }) q: { limit: number }, @CurrentPrincipal() p: Principal) {
    return { items: await this.visits.visits(p, q.limit), nextCursor: null };
  }

  @Get('diary/:date')
  @Roles(...WORKERS)
  @ApiOperation({ summary: '民情日记 Your log of a day: the one you kept, or a draft made from the day\'s patrols, visits and reports' })
  @ApiJsonResponse(200, 'The log', diaryViewSchema)
  diary(@Param('date', dayParam) day: string, @CurrentPrincipal() p: Principal): Promise<DiaryView> {
    return this.visits.diary(p, day);
  }

  @Put('diary/:date')
  @Roles(...WORKERS)
  @ApiOperation({ summary: '保存日记 Keep your edited log of a day as a draft' })
  @ApiJsonResponse(200, 'The log, a draft', diaryViewSchema)
  @ApiErrorResponses({ 409: 'Submitted already' })
  save(@Param('date', dayParam) day: string, @Body({ schema: diaryBody }) body: z.infer<typeof diaryBody>, @CurrentPrincipal() p: Principal): Promise<DiaryView> {
    return this.visits.saveDiary(p, day, body.text, false);
  }

  @Post('diary/:date/submit')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({ summary: '提交日记 Submit your log of a day: the community sees it; it is kept as it was' })
  @ApiJsonResponse(200, 'The log, submitted', diaryViewSchema)
  @ApiErrorResponses({ 409: 'Submitted already' })
  submit(@Param('date', dayParam) day: string, @Body({ schema: diaryBody }) body: z.infer<typeof diaryBody>, @CurrentPrincipal() p: Principal): Promise<DiaryView> {
    return this.visits.saveDiary(p, day, body.text, true);
  }

  @Get('diaries')
  @Roles('grid-leader', 'community-staff', 'street-staff', 'district-staff')
  @ApiOperation({ summary: '网格员民情日记 The submitted logs of the workers of your unit, for a day' })
  @ApiJsonResponse(200, 'The logs', diaryPageSchema)
  async diaries(@Query({ schema: z.object({ date: diaryDateSchema }).strict() }) q: { date: string }, @CurrentPrincipal() p: Principal) {
    return { items: await this.visits.diaries(p.orgUnit, q.date) };
  }
}
