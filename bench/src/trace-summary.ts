/**
 * Where a page load's time goes, from a Chromium performance trace (the JSON that Playwright's
 * `browser.stopTracing()` returns, as DevTools' Performance panel records it): for each thread of
 * the page's renderer and of the GPU process, how long it was busy within a window (the union of
 * its top-level tasks), and its events by self time (an event's duration less its children's).
 */

interface TraceEvent {
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly ph: string;
  readonly name: string;
  readonly cat: string;
  readonly args?: { readonly name?: string; readonly data?: Record<string, unknown> };
}

export interface ThreadSummary {
  readonly thread: string;
  readonly busyMs: number;
  readonly top: readonly { readonly name: string; readonly selfMs: number }[];
}

export interface TraceSummary {
  readonly windowMs: number;
  readonly threads: readonly ThreadSummary[];
}

/**
 * `startMark` / `endMark`: `performance.mark` names in the page (the window; `navigationStart` is
 * Blink's own). Threads busy less than `minBusyMs` in the window are left out.
 */
export function summarizeTrace(json: Buffer | string, startMark: string, endMark: string, minBusyMs = 20): TraceSummary {
  const parsed = JSON.parse(json.toString()) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const threadNames = new Map<string, string>();
  const processNames = new Map<number, string>();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    if (e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
    if (e.name === 'process_name') processNames.set(e.pid, e.args?.name ?? '?');
  }
  const marks = (name: string) => events.filter((e) => e.name === name && e.cat.includes('blink.user_timing')).map((e) => e.ts);
  const end = Math.max(...marks(endMark));
  const start = Math.max(...marks(startMark).filter((ts) => ts <= end));
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new Error(`trace has no ${startMark} … ${endMark} window`);
  // The renderer that holds the page: the one whose main thread recorded the marks.
  const pagePid = events.find((e) => e.name === endMark && e.cat.includes('blink.user_timing'))!.pid;

  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    if (e.ts + e.dur < start || e.ts > end) continue;
    const proc = processNames.get(e.pid) ?? '';
    if (e.pid !== pagePid && !/GPU/i.test(proc)) continue;
    const key = `${e.pid}:${e.tid}`;
    let list = byThread.get(key);
    if (!list) byThread.set(key, (list = []));
    list.push(e);
  }

  const threads: ThreadSummary[] = [];
  for (const [key, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const clip = (e: TraceEvent) => Math.max(0, Math.min(end, e.ts + e.dur!) - Math.max(start, e.ts));
    // Busy: the union of the outermost events (nested ones lie inside their parent).
    let busy = 0;
    let reach = -Infinity;
    for (const e of list) {
      const s = Math.max(start, e.ts);
      const f = Math.min(end, e.ts + e.dur!);
      if (f <= reach) continue;
      busy += f - Math.max(s, reach);
      reach = f;
    }
    // Self time: each event's clipped duration less its direct children's.
    const self = new Map<string, number>();
    const stack: { e: TraceEvent; end: number; child: number }[] = [];
    const close = (upTo: number) => {
      while (stack.length > 0 && stack[stack.length - 1]!.end <= upTo) {
        const top = stack.pop()!;
        const own = clip(top.e) - top.child;
        self.set(top.e.name, (self.get(top.e.name) ?? 0) + Math.max(0, own));
        if (stack.length > 0) stack[stack.length - 1]!.child += clip(top.e);
      }
    };
    for (const e of list) {
      close(e.ts);
      stack.push({ e, end: e.ts + e.dur!, child: 0 });
    }
    close(Infinity);
    const pid = Number(key.split(':')[0]);
    const name = `${pid === pagePid ? 'renderer' : 'gpu'}: ${threadNames.get(key) ?? key}`;
    const top = [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([n, us]) => ({ name: n, selfMs: us / 1000 }));
    if (busy / 1000 >= minBusyMs) threads.push({ thread: name, busyMs: busy / 1000, top });
  }
  threads.sort((a, b) => b.busyMs - a.busyMs);
  return { windowMs: (end - start) / 1000, threads };
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber?: number };
  readonly parent?: number;
}

export interface ProfileSummary {
  readonly thread: string;
  readonly sampledMs: number;
  /** Self time by script (file name; `(native)` for builtins, `(idle)`, `(program)`, `(garbage collector)`). */
  readonly byScript: readonly { readonly name: string; readonly selfMs: number }[];
  readonly byFunction: readonly { readonly name: string; readonly selfMs: number }[];
}

/**
 * The JavaScript CPU profiles inside a trace recorded with `disabled-by-default-v8.cpu_profiler`
 * (one per V8 isolate: the page's main thread, MapLibre's worker), cut to the same window as
 * `summarizeTrace`, as self time by script and by function.
 */
export function summarizeProfiles(json: Buffer | string, startMark: string, endMark: string, top = 10): ProfileSummary[] {
  const parsed = JSON.parse(json.toString()) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = (Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? [])) as (TraceEvent & { id?: string; args?: { data?: Record<string, unknown> } })[];
  const threadNames = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
  const marks = (name: string) => events.filter((e) => e.name === name && e.cat.includes('blink.user_timing')).map((e) => e.ts);
  const end = Math.max(...marks(endMark));
  const start = Math.max(...marks(startMark).filter((ts) => ts <= end));
  const pagePid = events.find((e) => e.name === endMark && e.cat.includes('blink.user_timing'))?.pid;

  interface Profile {
    thread: string;
    startTime: number;
    nodes: Map<number, ProfileNode>;
    samples: number[];
    deltas: number[];
  }
  const profiles = new Map<string, Profile>();
  for (const e of events) {
    if (e.pid !== pagePid) continue;
    if (e.name === 'Profile' && e.id) {
      profiles.set(`${e.pid}:${e.id}`, { thread: threadNames.get(`${e.pid}:${e.tid}`) ?? `${e.pid}:${e.tid}`, startTime: Number(e.args?.data?.['startTime'] ?? e.ts), nodes: new Map(), samples: [], deltas: [] });
    } else if (e.name === 'ProfileChunk' && e.id) {
      const p = profiles.get(`${e.pid}:${e.id}`);
      if (!p) continue;
      const data = e.args?.data as { cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] } | undefined;
      for (const n of data?.cpuProfile?.nodes ?? []) p.nodes.set(n.id, n);
      p.samples.push(...(data?.cpuProfile?.samples ?? []));
      p.deltas.push(...(data?.timeDeltas ?? []));
    }
  }
  const out: ProfileSummary[] = [];
  for (const p of profiles.values()) {
    const byScript = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let t = p.startTime;
    let sampled = 0;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.deltas[i] ?? 0;
      const next = p.deltas[i + 1] ?? 0;
      if (t < start || t > end) continue;
      const node = p.nodes.get(p.samples[i]!);
      if (!node) continue;
      const fn = node.callFrame.functionName;
      const file = node.callFrame.url ? (node.callFrame.url.split('/').pop() ?? node.callFrame.url) : /^\(.*\)$/.test(fn) ? fn : '(native)';
      byScript.set(file, (byScript.get(file) ?? 0) + next);
      const name = `${fn || '(anonymous)'} ${file}${node.callFrame.url ? `:${(node.callFrame.lineNumber ?? 0) + 1}` : ''}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + next);
      sampled += next;
    }
    if (sampled < 1000) continue;
    const list = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, us]) => ({ name, selfMs: us / 1000 }));
    out.push({ thread: p.thread, sampledMs: sampled / 1000, byScript: list(byScript), byFunction: list(byFunction) });
  }
  return out.sort((a, b) => b.sampledMs - a.sampledMs);
}
