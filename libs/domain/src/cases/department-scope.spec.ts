import type { Principal } from '@gm/contracts';
import { departmentLimit, withinDepartment } from './department-scope';

describe("a department user's reach: its own department's cases only", () => {
  const dept = (department?: string, extra: Principal['roles'] = []): Principal => ({ subject: 's', roles: ['department', ...extra], orgUnit: '350206', ...(department && { department }) });
  const toWater = { assigneeKind: 'department', assigneeCode: 'water' };
  const toRoads = { assigneeKind: 'department', assigneeCode: 'roads' };
  const toWorker = { assigneeKind: 'worker', assigneeCode: 'water' };

  it('limits a department user to the cases dispatched to its department', () => {
    expect(departmentLimit(dept('water'))).toEqual({ department: 'water' });
    expect(withinDepartment(dept('water'), toWater)).toBe(true);
    expect(withinDepartment(dept('water'), toRoads)).toBe(false);
    expect(withinDepartment(dept('water'), toWorker)).toBe(false);
    expect(withinDepartment(dept('water'), { assigneeKind: null, assigneeCode: null })).toBe(false);
  });

  it('a department user whose token names no department reaches no case', () => {
    expect(departmentLimit(dept())).toEqual({ department: null });
    expect(withinDepartment(dept(), toWater)).toBe(false);
  });

  it('leaves every other caller to its org unit, a department user with a unit role too', () => {
    expect(departmentLimit({ subject: 's', roles: ['community-staff'], orgUnit: '350206001001' })).toBeUndefined();
    expect(departmentLimit(dept('water', ['district-staff']))).toBeUndefined();
    expect(withinDepartment({ subject: 's', roles: ['district-staff'], orgUnit: '350206' }, toRoads)).toBe(true);
  });
});
