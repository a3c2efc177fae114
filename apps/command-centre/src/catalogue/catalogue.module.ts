import { Module } from '@nestjs/common';
import { CatalogueProvider } from '@gm/platform';

@Module({ providers: [CatalogueProvider], exports: [CatalogueProvider] })
export class CatalogueModule {}
