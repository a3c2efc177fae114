import { Module } from '@nestjs/common';
import { CatalogueProvider } from './catalogue.provider';

@Module({ providers: [CatalogueProvider], exports: [CatalogueProvider] })
export class CatalogueModule {}
