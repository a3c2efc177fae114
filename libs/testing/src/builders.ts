import { randomUUID } from 'node:crypto';
import type { PositionFix, ReportCaseBody } from '@gm/contracts';

/** A valid handheld report in grid 350206001001-07 (synthetic: Xiamen Huli coordinates, made-up text). */
export function aReport(overrides: Partial<ReportCaseBody> = {}): ReportCaseBody {
  return {
    categoryCode: 'SJ0101',
    description: '小区东门垃圾桶满溢，需要清运 (bins overflowing at the east gate)',
    location: { latitude: 24.5123, longitude: 118.1456, accuracy: 8 },
    address: '演示小区东门 (demo estate, east gate)',
    clientId: randomUUID(),
    ...overrides,
  };
}

/**
 * Identifiers for privacy tests, valid in format and nobody's: area code 350299 is not assigned,
 * and 140-prefixed 11-digit numbers are not issued to people (the 140 range is for 13-digit IoT numbers).
 */
export const SYNTHETIC_ID_NUMBER = '350299199001011232';
export const SYNTHETIC_PHONE = '14000138000';

/** A GPS fix in grid 350206001001-07 taken `minutesAgo` minutes ago (negative: in the future). */
export function aFix(minutesAgo: number, overrides: Partial<PositionFix> = {}): PositionFix {
  return {
    at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    latitude: 24.5123,
    longitude: 118.1456,
    accuracy: 9,
    ...overrides,
  };
}
