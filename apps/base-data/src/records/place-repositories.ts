import type { Provider } from '@nestjs/common';

/** The repositories of places and things (buildings, houses, households, organisations, city objects, summaries). */
export const PLACE_REPOSITORIES: Provider[] = [];
