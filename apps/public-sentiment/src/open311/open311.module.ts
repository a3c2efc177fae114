import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { CaseModule } from '../cases/case.module';
import { Open311Controller } from './open311.controller';
import { Open311ErrorFilter, registerOpen311ErrorFallback } from './open311-error.filter';
import { Open311ReadModel } from './open311-read-model';
import { Open311Service } from './open311.service';

/** Open311 GeoReport v2 (and mySociety's update feed) over this tier's cases, under /open311/v2/. */
@Module({
  imports: [CaseModule],
  controllers: [Open311Controller],
  providers: [Open311Service, Open311ReadModel, Open311ErrorFilter],
})
export class Open311Module implements OnModuleInit {
  constructor(private readonly http: HttpAdapterHost) {}

  onModuleInit(): void {
    // Only with an HTTP server (not in a shell command's application context).
    const fastify = this.http.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) registerOpen311ErrorFallback(fastify);
  }
}
