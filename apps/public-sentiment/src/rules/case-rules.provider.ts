import { Inject, Injectable } from '@nestjs/common';
import { CaseClock, CategoryCatalogue, DEFAULT_CASE_RULES, type CaseRules } from '@gm/domain';
import { SERVICE_CONFIG } from '@gm/platform';
import type { AppConfig } from '../config/config';

/**
 * The rules this tier's case engine runs by: the category catalogue, deadlines, escalation, the
 * working calendar, the reopening window and the duplicate search. The defaults ship with the
 * repository (libs/domain); configuration may change the windows.
 */
@Injectable()
export class CaseRulesProvider {
  readonly catalogue = new CategoryCatalogue();
  readonly rules: CaseRules;
  readonly clock: CaseClock;

  constructor(@Inject(SERVICE_CONFIG) config: AppConfig) {
    this.rules = {
      ...DEFAULT_CASE_RULES,
      reopenWindowMinutes: config.own.CASE_REOPEN_WINDOW_MINUTES,
      duplicateRadiusM: config.own.CASE_DUPLICATE_RADIUS_M,
      duplicateWindowHours: config.own.CASE_DUPLICATE_WINDOW_HOURS,
    };
    this.clock = new CaseClock(this.rules.calendar);
  }
}
