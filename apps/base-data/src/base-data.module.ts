import { Module } from '@nestjs/common';
import { ChangeProposalController } from './proposals/change-proposal.controller';
import { ChangeProposalNatsController } from './proposals/change-proposal.nats.controller';
import { ChangeProposalService } from './proposals/change-proposal.service';
import { ServiceSql } from '@gm/platform';
import { BuildingController } from './buildings/building.controller';
import { BuildingService } from './buildings/building.service';
import { HouseholdController } from './households/household.controller';
import { HouseholdService } from './households/household.service';
import { HouseController } from './houses/house.controller';
import { HouseService } from './houses/house.service';
import { ImportController } from './imports/import.controller';
import { CityObjectController } from './objects/city-object.controller';
import { CityObjectService } from './objects/city-object.service';
import { OrganisationController } from './organisations/organisation.controller';
import { OrganisationService } from './organisations/organisation.service';
import { GridLocator } from './records/grid-locator';
import { RecordVersions } from './replication/record-versions';
import { BaseDataImportService } from './imports/import.service';
import { ImportRecordsRepository } from './imports/import.repository';
import { piiCipherProvider } from './privacy/pii-cipher.provider';
import { PrivacyController } from './privacy/privacy.controller';
import { PLACE_REPOSITORIES } from './records/place-repositories';
import { RecordWrites } from './records/record-writes';
import { PEOPLE_REPOSITORIES } from './residents/people-repositories';
import { ResidentController } from './residents/resident.controller';
import { ResidentService } from './residents/resident.service';
import { SummaryController } from './summary/summary.controller';
import { SummaryService } from './summary/summary.service';

@Module({
  controllers: [ImportController, ResidentController, BuildingController, HouseController, HouseholdController, CityObjectController, OrganisationController, PrivacyController, SummaryController, ChangeProposalController, ChangeProposalNatsController],
  providers: [ServiceSql, piiCipherProvider, RecordVersions, RecordWrites, GridLocator, BaseDataImportService, ImportRecordsRepository, ResidentService, BuildingService, HouseService, HouseholdService, CityObjectService, OrganisationService, SummaryService, ChangeProposalService, ...PLACE_REPOSITORIES, ...PEOPLE_REPOSITORIES],
  exports: [BaseDataImportService, ImportRecordsRepository, ResidentService],
})
export class BaseDataModule {}
