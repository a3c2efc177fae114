import { createHash } from 'node:crypto';
import type { Role } from '@gm/contracts';

export interface DemoUser {
  readonly username: string;
  readonly password: string;
  /** Synthetic display name; never a real person. */
  readonly name: string;
  readonly roles: readonly Role[];
  readonly orgUnit: string;
  /** A department user's department (the `department` claim). */
  readonly department?: string;
}

/**
 * Demo users for every role and tier of one district, for the local default and tests.
 * District 350206 → street 350206001 → communities 350206001001 / 350206001002 → grids -07 / -08.
 */
export function demoUsers(district = '350206', password = 'demo'): DemoUser[] {
  const street = `${district}001`;
  const community = `${street}001`;
  const otherCommunity = `${street}002`;
  const u = (username: string, name: string, roles: Role[], orgUnit: string, department?: string): DemoUser => ({ username, password, name, roles, orgUnit, ...(department && { department }) });
  return [
    u('gw-07', '演示网格员甲 (Demo grid worker A)', ['grid-worker'], `${community}-07`),
    u('gw-08', '演示网格员乙 (Demo grid worker B)', ['grid-worker'], `${community}-08`),
    u('gw-other', '演示网格员丙 (Demo grid worker C)', ['grid-worker'], `${otherCommunity}-01`),
    u('gl-07', '演示网格长 (Demo grid leader)', ['grid-leader'], `${community}-07`),
    u('community', '演示社区工作人员 (Demo community staff)', ['community-staff'], community),
    u('community-other', '演示邻社区工作人员 (Demo staff, neighbouring community)', ['community-staff'], otherCommunity),
    u('street', '演示街道工作人员 (Demo street staff)', ['street-staff'], street),
    u('district', '演示区级工作人员 (Demo district staff)', ['district-staff'], district),
    u('department', '演示职能部门 (Demo department)', ['department'], district, 'urban-management'),
    u('department-water', '演示水务部门 (Demo water authority)', ['department'], district, 'water'),
    u('admin', '演示管理员 (Demo administrator)', ['admin'], district),
    u('auditor', '演示审计员 (Demo auditor)', ['auditor'], district),
  ];
}

/** A stable UUID-shaped subject per username (Keycloak's `sub` is a UUID). */
export function subjectOf(username: string): string {
  const h = createHash('sha1').update(`gm-demo:${username}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
