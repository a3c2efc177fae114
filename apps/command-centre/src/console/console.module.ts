import { Module } from '@nestjs/common';
import { ConsoleServer } from './console.server';

@Module({ providers: [ConsoleServer] })
export class ConsoleModule {}
