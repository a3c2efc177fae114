export type Light = 'green' | 'yellow' | 'red';

export const OPEN_STATES = ['reported', 'accepted', 'registered', 'dispatched', 'in_progress', 'handled', 'verified', 'returned', 'on_hold'] as const;

/** The light of an open case's step now (the platform's rule: yellow from 80 % of the time, red once overdue). */
export function lightOf(state: string, deadlineAt: string | null, yellowAt: string | null, now = Date.now()): Light | null {
  if (!(OPEN_STATES as readonly string[]).includes(state) || !deadlineAt) return null;
  if (now > Date.parse(deadlineAt)) return 'red';
  return yellowAt && now >= Date.parse(yellowAt) ? 'yellow' : 'green';
}

export const LIGHT_COLOURS: Record<Light | 'none', string> = { green: '#2e9d4f', yellow: '#f0a020', red: '#d4380d', none: '#8c8c8c' };
