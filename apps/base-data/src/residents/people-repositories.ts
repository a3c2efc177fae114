import type { Provider } from '@nestjs/common';

/** The repositories of people (residents) and of the change proposals about them. */
export const PEOPLE_REPOSITORIES: Provider[] = [];
