import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CHANGE_PROPOSAL_STATUSES, changeProposalPageSchema, changeProposalViewSchema, type ChangeProposalPage, type ChangeProposalView, type Principal } from '@gm/contracts';
import { CurrentPrincipal, Roles } from '@gm/auth';
import { ApiErrorResponses, ApiJsonResponse } from '@gm/platform';
import { actorOf, READERS } from '../records/http';
import { ChangeProposalService, proposeBody, type ProposeBody } from './change-proposal.service';

const listQuery = z
  .object({
    status: z.enum(CHANGE_PROPOSAL_STATUSES).optional(),
    unit: z.string().max(20).optional(),
    limit: z.coerce.number().int().min(1, 'limit must be 1–100').max(100, 'limit must be 1–100').default(50),
    before: z.iso.datetime({ offset: true, message: 'before must be the nextCursor of the previous page' }).optional(),
  })
  .strict();
const confirmBody = z.object({ note: z.string().trim().max(500).optional() }).strict();
const rejectBody = z.object({ reason: z.string().trim().min(2, 'reason must say why').max(500) }).strict();
const DECIDERS = ['community-staff'] as const;

@ApiTags('change proposals 变更申报')
@Controller('api/v1/change-proposals')
export class ChangeProposalController {
  constructor(private readonly proposals: ChangeProposalService) {}

  @Post()
  @HttpCode(201)
  @Roles('grid-worker', 'grid-leader', 'community-staff')
  @ApiOperation({
    summary: '变更申报 Propose a change seen on the ground (五必报: a newcomer, a birth, a move out, a death, a house let to tenants, a focus person)',
    description: 'Kept at the tier that keeps the grid\'s base data until community staff confirm or reject it. The same clientId again answers the first proposal. The body is what the write API the proposal becomes takes; bad fields are named as body.<field>.',
  })
  @ApiJsonResponse(201, 'The proposal, pending', changeProposalViewSchema)
  @ApiErrorResponses({ 400: 'A field is invalid, or the record is not in your unit', 409: 'Another tier keeps the grid, or the clientId was used for another kind' })
  propose(@Body({ schema: proposeBody }) body: ProposeBody, @CurrentPrincipal() p: Principal): Promise<ChangeProposalView> {
    return this.proposals.propose(actorOf(p, ['grid-worker', 'grid-leader', 'community-staff']), body);
  }

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: '变更申报列表 Proposals of your unit (or a unit in it), newest first; personal data masked' })
  @ApiJsonResponse(200, 'A page of proposals', changeProposalPageSchema)
  list(@Query({ schema: listQuery }) q: z.infer<typeof listQuery>, @CurrentPrincipal() p: Principal): Promise<ChangeProposalPage> {
    return this.proposals.list(p.orgUnit, q);
  }

  @Get(':id')
  @Roles(...READERS)
  @ApiOperation({ summary: '变更申报详情 One proposal' })
  @ApiJsonResponse(200, 'The proposal', changeProposalViewSchema)
  @ApiErrorResponses({ 404: 'No such proposal in your unit' })
  get(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @CurrentPrincipal() p: Principal): Promise<ChangeProposalView> {
    return this.proposals.get(p.orgUnit, id);
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @Roles(...DECIDERS)
  @ApiOperation({ summary: '确认 Confirm: the change is applied (history, event, its new version to the other tiers)' })
  @ApiJsonResponse(200, 'The proposal, confirmed, with the record it changed', changeProposalViewSchema)
  @ApiErrorResponses({ 400: 'The change no longer applies (e.g. the household is gone); the proposal stays pending', 404: 'No such proposal in your unit', 409: 'Decided already' })
  confirm(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @Body({ schema: confirmBody }) body: z.infer<typeof confirmBody>, @CurrentPrincipal() p: Principal): Promise<ChangeProposalView> {
    return this.proposals.confirm(actorOf(p, [...DECIDERS]), id, body.note);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles(...DECIDERS)
  @ApiOperation({ summary: '驳回 Reject, with the reason: nothing changes' })
  @ApiJsonResponse(200, 'The proposal, rejected', changeProposalViewSchema)
  @ApiErrorResponses({ 404: 'No such proposal in your unit', 409: 'Decided already' })
  reject(@Param('id', { schema: z.uuid('id must be a UUID') }) id: string, @Body({ schema: rejectBody }) body: z.infer<typeof rejectBody>, @CurrentPrincipal() p: Principal): Promise<ChangeProposalView> {
    return this.proposals.reject(actorOf(p, [...DECIDERS]), id, body.reason);
  }
}
