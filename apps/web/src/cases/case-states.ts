/** States a user may filter by, in the order of the workflow. */
export const CASE_STATES_SHOWN = ['reported', 'accepted', 'registered', 'dispatched', 'in_progress', 'handled', 'verified', 'returned', 'on_hold', 'closed', 'escalated'] as const;

/** The desk's queues (the API's filters behind each). */
export const QUEUES = [
  { key: 'toAccept', state: 'reported' },
  { key: 'toRegister', state: 'accepted' },
  { key: 'toDispatch', state: 'registered,returned' },
  { key: 'inProgress', state: 'dispatched,in_progress' },
  { key: 'toVerify', state: 'handled,verified' },
  { key: 'overdue', light: 'red' },
  { key: 'urged', urged: true },
  { key: 'onHold', state: 'on_hold' },
] as const satisfies readonly { key: string; state?: string; light?: 'red'; urged?: boolean }[];
export type QueueKey = (typeof QUEUES)[number]['key'];
