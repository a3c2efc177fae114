import { Module } from '@nestjs/common';
import { ServiceSql } from '@gm/platform';
import { ImportController } from './imports/import.controller';
import { BaseDataImportService } from './imports/import.service';
import { piiCipherProvider } from './privacy/pii-cipher.provider';
import { PrivacyController } from './privacy/privacy.controller';
import { ResidentController } from './residents/resident.controller';
import { ResidentService } from './residents/resident.service';
import { SummaryController } from './summary/summary.controller';
import { SummaryService } from './summary/summary.service';

@Module({
  controllers: [ImportController, ResidentController, PrivacyController, SummaryController],
  providers: [ServiceSql, piiCipherProvider, BaseDataImportService, ResidentService, SummaryService],
  exports: [BaseDataImportService, ResidentService],
})
export class BaseDataModule {}
