import { CancelledError } from "./utils/run-command.ts";

/**
 * After a build, changes that came in during it wait for this much quiet before the
 * follow-up build starts, so a burst of saves (an editor's save-all, a formatter, a
 * git checkout) costs one more build, not one per save. A lone change never waits.
 */
export const BURST_QUIET_MS = 100;

/** How a build that changes caused ended: reported once per build, never for a cancelled one. */
export type RebuildOutcome<T> =
  | { ok: true; value: T; changes: string[] }
  | { ok: false; error: unknown; changes: string[] };

export interface RebuilderOptions<T> {
  /** Runs one build. `signal` aborts when the rebuilder is closed. */
  run: (signal: AbortSignal) => Promise<T>;
  /** Closing: stops the running build and every build to come. */
  signal?: AbortSignal;
  /** The burst pause in ms (BURST_QUIET_MS unless a test says otherwise). */
  quietMs?: number;
}

/**
 * The rebuild state machine of one crate, with the build itself left to `run`:
 *
 * - builds never overlap: a request during a build waits for it, and asks again if a
 *   change arrived meanwhile;
 * - a result is reused until a change makes it stale;
 * - `rebuild()` (the dev server's watcher) builds without waiting for a request: at
 *   once when idle, else after the running build and a quiet pause, so any number of
 *   changes during a build cost exactly one follow-up build;
 * - a request never waits for the pause: a page asking for the crate starts the build;
 * - each build that changes caused is reported once to `onRebuilt`, unless newer
 *   changes already superseded it (their build reports instead);
 * - closing aborts the running build and starts nothing more.
 */
export class Rebuilder<T> {
  /** Hears how each change-caused build ended (the dev server updates the page from it). */
  onRebuilt: ((outcome: RebuildOutcome<T>) => void) | undefined;
  private readonly run: (signal: AbortSignal) => Promise<T>;
  private readonly signal: AbortSignal;
  private readonly quietMs: number;
  private stale = true;
  /** Changes not yet taken by a build. */
  private pending: string[] = [];
  /** Is a build without a request wanted for the pending changes? */
  private eager = false;
  private lastChangeAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<T> | undefined;
  private last: Promise<T> | undefined;
  private good: T | undefined;

  constructor(options: RebuilderOptions<T>) {
    this.run = options.run;
    this.signal = options.signal ?? new AbortController().signal;
    this.quietMs = options.quietMs ?? BURST_QUIET_MS;
    this.signal.addEventListener("abort", () => clearTimeout(this.timer), { once: true });
  }

  /** The last successful build's value (served while a newer build runs). */
  get latest(): T | undefined {
    return this.good;
  }

  /** Is a build running now? */
  get isBuilding(): boolean {
    return this.running !== undefined;
  }

  /** The current result: the last build's while nothing changed, else a new build's. */
  get(): Promise<T> {
    if (this.signal.aborted) return Promise.reject(new CancelledError("the build"));
    if (this.running) {
      const again = () => this.get();
      return this.running.then(again, again);
    }
    if (!this.stale && this.last) return this.last;
    return this.start();
  }

  /** `reason` (a file) changed: the next request builds again. */
  invalidate(reason: string): void {
    this.stale = true;
    this.pending.push(reason);
    this.lastChangeAt = Date.now();
  }

  /** `reason` changed: build again without waiting for a request. */
  rebuild(reason: string): void {
    this.invalidate(reason);
    this.eager = true;
    if (!this.running && !this.timer && !this.signal.aborted) void this.start().catch(() => undefined);
  }

  private start(): Promise<T> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const changes = this.pending;
    this.pending = [];
    this.eager = false;
    this.stale = false;
    let run: Promise<T>;
    try {
      run = this.run(this.signal);
    } catch (error) {
      // A run that throws at once is a failed build like any other, not a lost change.
      run = Promise.reject(error);
    }
    this.running = run;
    this.last = run;
    run.then(
      (value) => {
        this.good = value;
        this.finish(changes, { ok: true, value, changes });
      },
      (error: unknown) => this.finish(changes, { ok: false, error, changes }),
    );
    return run;
  }

  private finish(changes: string[], outcome: RebuildOutcome<T>): void {
    this.running = undefined;
    if (this.signal.aborted) return;
    if (this.stale) {
      // Superseded: the follow-up build reports these changes along with its own.
      this.pending.unshift(...changes);
      if (this.eager) this.scheduleAfterQuiet();
      return;
    }
    if (changes.length === 0) return;
    try {
      this.onRebuilt?.(outcome);
    } catch (error) {
      // A listener's bug must not become an unhandled rejection of the build.
      console.error(error);
    }
  }

  /** Starts the follow-up build once no change came for `quietMs` (a request may start it sooner). */
  private scheduleAfterQuiet(): void {
    const wait = this.lastChangeAt + this.quietMs - Date.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running || !this.stale || this.signal.aborted) return;
      if (Date.now() - this.lastChangeAt < this.quietMs) this.scheduleAfterQuiet();
      else void this.start().catch(() => undefined);
    }, Math.max(0, wait));
  }
}
