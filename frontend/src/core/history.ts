/**
 * The recent past of the metrics on screen, accumulated from the live updates: one sample per
 * series every few seconds, the last 65 minutes, kept in localStorage so a reload (or a TV
 * that restarts its browser) does not start from an empty chart. Charts draw it; KPI tiles
 * compare against it for their trend.
 */

const STORAGE_KEY = "fw.history.v1";
const KEEP_S = 65 * 60;
const STEP_S = 5;
const SAVE_EVERY_MS = 15_000;

export interface Series {
  times: number[]; // epoch seconds
  values: (number | null)[];
}

class History {
  private readonly series = new Map<string, Series>();
  private dirty = false;

  constructor() {
    this.load();
    window.setInterval(() => this.save(), SAVE_EVERY_MS);
    window.addEventListener("pagehide", () => this.save());
  }

  get(key: string): Series {
    let s = this.series.get(key);
    if (!s) {
      s = { times: [], values: [] };
      this.series.set(key, s);
    }
    return s;
  }

  /** Add a sample at `atMs`; within STEP_S of the previous one it replaces it. */
  record(key: string, atMs: number, value: number | null): void {
    const s = this.get(key);
    const t = Math.floor(atMs / 1000);
    const n = s.times.length;
    if (n > 0 && t < s.times[n - 1]) return;
    if (n > 1 && t - s.times[n - 2] < STEP_S) {
      s.times[n - 1] = t;
      s.values[n - 1] = value;
    } else {
      s.times.push(t);
      s.values.push(value);
    }
    let drop = 0;
    while (drop < s.times.length && s.times[drop] < t - KEEP_S) drop++;
    if (drop) {
      s.times.splice(0, drop);
      s.values.splice(0, drop);
    }
    this.dirty = true;
  }

  /** Take the server's samples of a series (`[epoch ms, value]`, oldest first, from
   * `/v1/metrics/history`): where the page has its own sample within STEP_S, that one stays. */
  merge(key: string, points: Array<[number, number | null]>): void {
    const s = this.get(key);
    const all = points.map(([ms, value]) => ({ t: Math.floor(ms / 1000), value, own: false }));
    for (let i = 0; i < s.times.length; i++) all.push({ t: s.times[i], value: s.values[i], own: true });
    all.sort((a, b) => a.t - b.t || Number(b.own) - Number(a.own));
    const times: number[] = [];
    const values: (number | null)[] = [];
    for (const point of all) {
      const n = times.length;
      if (n > 0 && point.t - times[n - 1] < STEP_S) {
        if (point.own && n > 0) values[n - 1] = point.value;
        continue;
      }
      times.push(point.t);
      values.push(point.value);
    }
    const oldest = (times[times.length - 1] ?? 0) - KEEP_S;
    const first = times.findIndex((t) => t >= oldest);
    s.times = first > 0 ? times.slice(first) : times;
    s.values = first > 0 ? values.slice(first) : values;
    this.dirty = true;
  }

  /** The value recorded at or just before `atMs`, if the series reaches back that far. */
  valueAt(key: string, atMs: number): number | null | undefined {
    const s = this.series.get(key);
    const t = atMs / 1000;
    if (!s || s.times.length === 0 || s.times[0] > t) return undefined;
    let lo = 0;
    let hi = s.times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s.times[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return s.values[lo];
  }

  private load(): void {
    try {
      const raw = localStorage.getItem(STORAGE_KEY);
      if (!raw) return;
      const stored = JSON.parse(raw) as Record<string, Series>;
      const oldest = Date.now() / 1000 - KEEP_S;
      for (const [key, s] of Object.entries(stored)) {
        const first = s.times.findIndex((t) => t >= oldest);
        if (first >= 0) this.series.set(key, { times: s.times.slice(first), values: s.values.slice(first) });
      }
    } catch {
      localStorage.removeItem(STORAGE_KEY);
    }
  }

  private save(): void {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(this.series)));
    } catch {
      // Storage full or disabled: the history still lives in memory.
    }
  }
}

export const history = new History();

export function seriesKey(topic: string, metric: string): string {
  return `${topic}|${metric}`;
}
