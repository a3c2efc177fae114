import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@gm/contracts';
import { CurrentPrincipal } from '@gm/auth';
import { OrgUnitCode } from '@gm/domain';

@ApiTags('identity 身份')
@Controller('api/v1/me')
export class MeController {
  @Get()
  @ApiOperation({ summary: '当前用户 Who am I: roles, org unit and its path from the district down' })
  me(@CurrentPrincipal() principal: Principal) {
    const unit = OrgUnitCode.parse(principal.orgUnit);
    return {
      subject: principal.subject,
      username: principal.username ?? null,
      roles: principal.roles,
      orgUnit: { code: unit.value, level: unit.level },
      path: unit.path.map((u) => ({ code: u.value, level: u.level })),
    };
  }
}
