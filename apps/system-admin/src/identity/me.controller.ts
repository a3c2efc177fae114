import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { meSchema, type Me, type Principal } from '@gm/contracts';
import { CurrentPrincipal } from '@gm/auth';
import { OrgUnitCode } from '@gm/domain';
import { ApiJsonResponse } from '@gm/platform';

@ApiTags('identity 身份')
@Controller('api/v1/me')
export class MeController {
  @Get()
  @ApiOperation({ summary: '当前用户 Who am I: roles, org unit and its path from the district down' })
  @ApiJsonResponse(200, 'The caller', meSchema)
  me(@CurrentPrincipal() principal: Principal): Me {
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
