import { OutboxMessage } from '@gm/messaging';
import { databaseOptionsOf } from '@gm/platform';
import type { DatabaseOptions } from '@gm/persistence';
import type { AppConfig } from './config/config';
import { Case } from './cases/case.entity';
import { CaseTransition } from './cases/case-transition.entity';
import { migrations } from './migrations';

export const databaseOptions = (config: AppConfig): DatabaseOptions => databaseOptionsOf(config, [Case, CaseTransition, OutboxMessage], migrations);
