import type { Provider } from '@nestjs/common';
import { BuildingRepository } from '../buildings/building.repository';
import { HouseholdRepository } from '../households/household.repository';
import { HouseRepository } from '../houses/house.repository';
import { CityObjectRepository } from '../objects/city-object.repository';
import { OrganisationRepository } from '../organisations/organisation.repository';
import { SummaryRepository } from '../summary/summary.repository';

/** The repositories of places and things (buildings, houses, households, organisations, city objects, summaries). */
export const PLACE_REPOSITORIES: Provider[] = [BuildingRepository, HouseRepository, HouseholdRepository, OrganisationRepository, CityObjectRepository, SummaryRepository];
