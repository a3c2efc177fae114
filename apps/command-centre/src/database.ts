import { OutboxMessage } from '@gm/messaging';
import { databaseOptionsOf } from '@gm/platform';
import type { DatabaseOptions } from '@gm/persistence';
import type { AppConfig } from './config/config';
import { LiveEvent } from './live/live-event.entity';
import { migrations } from './migrations';

export const databaseOptions = (config: AppConfig): DatabaseOptions => databaseOptionsOf(config, [LiveEvent, OutboxMessage], migrations);
