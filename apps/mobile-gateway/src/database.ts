import { OutboxMessage } from '@gm/messaging';
import { databaseOptionsOf } from '@gm/platform';
import type { DatabaseOptions } from '@gm/persistence';
import type { AppConfig } from './config/config';
import { Attachment } from './attachments/attachment.entity';
import { PendingReport } from './reports/pending-report.entity';
import { migrations } from './migrations';

export const databaseOptions = (config: AppConfig): DatabaseOptions => databaseOptionsOf(config, [PendingReport, Attachment, OutboxMessage], migrations);
