import { Module } from '@nestjs/common';
import { HandheldServer } from './handheld.server';

@Module({ providers: [HandheldServer] })
export class HandheldModule {}
