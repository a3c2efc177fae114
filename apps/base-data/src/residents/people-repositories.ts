import type { Provider } from '@nestjs/common';
import { ChangeProposalRepository } from '../proposals/change-proposal.repository';
import { ResidentRepository } from './resident.repository';

/** The repositories of people (residents) and of the change proposals about them. */
export const PEOPLE_REPOSITORIES: Provider[] = [ResidentRepository, ChangeProposalRepository];
