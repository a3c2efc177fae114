import { Module } from '@nestjs/common';
import { ServiceSql } from '@gm/platform';

/** One pool of plain pg connections for every read model of the service. */
@Module({ providers: [ServiceSql], exports: [ServiceSql] })
export class SqlModule {}
