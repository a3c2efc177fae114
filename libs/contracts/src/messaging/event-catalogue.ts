import type { z } from 'zod';
import * as CaseEvents from '../cases/case-events';
import { caseEscalatedUpV1, caseProgressedDownV1, caseProgressedUpV1, caseReceivedV1, kpiIncrementsUpV1, tierSummaryV1 } from '../federation/federation-events';
import { parameterChangedV1 } from '../parameters/parameters';
import { boundaryImportedV1 } from '../gis/gis';
import { orgImportedV1 } from '../org/org';
import { baseDataImportedV1, baseDataRecordV1, recordChangedV1, residentChangedV1 } from '../base-data/base-data';
import { workerPositionsReportedV1 } from '../field-work/positions';
import {
  workOrderAcknowledgedV1,
  workOrderArrivedV1,
  workOrderDeclinedV1,
  workOrderResolvedV1,
  workOrderUrgedV1,
  workOrderWhistledV1,
  workOrderWithdrawnV1,
} from '../departments/work-orders';
import { notificationCaseStatusV1 } from '../service-office/inbox';
import { departmentCommandDownV1, departmentCommandOutcomeV1 } from '../departments/department-commands';
import type { EventDefinition } from './define-event';

/** Every event type of the platform. A rename here breaks every publisher and consumer at build time. */
export const Events = {
  caseReported: CaseEvents.caseReportedV1,
  caseAccepted: CaseEvents.caseAcceptedV1,
  caseRejected: CaseEvents.caseRejectedV1,
  caseRegistered: CaseEvents.caseRegisteredV1,
  caseDispatched: CaseEvents.caseDispatchedV1,
  caseStarted: CaseEvents.caseStartedV1,
  caseHandled: CaseEvents.caseHandledV1,
  caseReturned: CaseEvents.caseReturnedV1,
  caseVerified: CaseEvents.caseVerifiedV1,
  caseClosed: CaseEvents.caseClosedV1,
  caseHeld: CaseEvents.caseHeldV1,
  caseResumed: CaseEvents.caseResumedV1,
  caseVoided: CaseEvents.caseVoidedV1,
  caseMerged: CaseEvents.caseMergedV1,
  caseReopened: CaseEvents.caseReopenedV1,
  caseSelfHandled: CaseEvents.caseSelfHandledV1,
  caseUrged: CaseEvents.caseUrgedV1,
  caseExtensionRequested: CaseEvents.caseExtensionRequestedV1,
  caseExtensionApproved: CaseEvents.caseExtensionApprovedV1,
  caseExtensionDenied: CaseEvents.caseExtensionDeniedV1,
  caseRated: CaseEvents.caseRatedV1,
  caseEscalated: CaseEvents.caseEscalatedV1,
  caseAssignedBack: CaseEvents.caseAssignedBackV1,
  caseOverdue: CaseEvents.caseOverdueV1,
  caseEscalationDue: CaseEvents.caseEscalationDueV1,
  caseEmergency: CaseEvents.caseEmergencyV1,
  caseEscalatedUp: caseEscalatedUpV1,
  caseReceived: caseReceivedV1,
  caseProgressedDown: caseProgressedDownV1,
  caseProgressedUp: caseProgressedUpV1,
  tierSummary: tierSummaryV1,
  kpiIncrementsUp: kpiIncrementsUpV1,
  parameterChanged: parameterChangedV1,
  boundaryImported: boundaryImportedV1,
  orgImported: orgImportedV1,
  baseDataImported: baseDataImportedV1,
  residentChanged: residentChangedV1,
  recordChanged: recordChangedV1,
  baseDataRecord: baseDataRecordV1,
  workerPositionsReported: workerPositionsReportedV1,
  workOrderWhistled: workOrderWhistledV1,
  workOrderAcknowledged: workOrderAcknowledgedV1,
  workOrderArrived: workOrderArrivedV1,
  workOrderResolved: workOrderResolvedV1,
  workOrderDeclined: workOrderDeclinedV1,
  workOrderUrged: workOrderUrgedV1,
  workOrderWithdrawn: workOrderWithdrawnV1,
  notificationCaseStatus: notificationCaseStatusV1,
  departmentCommandDown: departmentCommandDownV1,
  departmentCommandOutcome: departmentCommandOutcomeV1,
} as const satisfies Record<string, EventDefinition>;

export type EventKey = keyof typeof Events;
export type EventOf<K extends EventKey> = (typeof Events)[K];
export type EventData<K extends EventKey> = z.infer<EventOf<K>['schema']>;
export type EventType = EventOf<EventKey>['type'];

const byType = new Map<string, EventDefinition>(Object.values(Events).map((e) => [e.type, e]));

export function eventDefinition(type: string): EventDefinition | undefined {
  return byType.get(type);
}
