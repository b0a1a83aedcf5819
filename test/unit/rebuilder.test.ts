import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BURST_QUIET_MS, Rebuilder, type RebuildOutcome } from "../../src/rebuilder.ts";
import { CancelledError } from "../../src/utils/run-command.ts";

/**
 * The rebuild state machine with a fake build: each run is a promise the test settles
 * by hand, and time is Vitest's fake clock, so every case is exact and instant.
 */
function harness() {
  const runs: { signal: AbortSignal; resolve: (value: string) => void; reject: (error: unknown) => void }[] = [];
  const stop = new AbortController();
  const rebuilder = new Rebuilder<string>({
    signal: stop.signal,
    run: (signal) =>
      new Promise<string>((resolve, reject) => {
        runs.push({ signal, resolve, reject });
        // Like runCommand: aborting stops the build with a CancelledError.
        signal.addEventListener("abort", () => reject(new CancelledError("the fake build")), { once: true });
      }),
  });
  const reports: RebuildOutcome<string>[] = [];
  rebuilder.onRebuilt = (outcome) => reports.push(outcome);
  /** Settles run `index` and lets every promise reaction run. */
  async function finish(index: number, value: string | Error): Promise<void> {
    if (value instanceof Error) runs[index]!.reject(value);
    else runs[index]!.resolve(value);
    await vi.advanceTimersByTimeAsync(0);
  }
  return { rebuilder, runs, reports, stop, finish };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Rebuilder", () => {
  it("builds once for concurrent requests and reuses the result until a change", async () => {
    const { rebuilder, runs, reports, finish } = harness();
    const first = rebuilder.get();
    const second = rebuilder.get();
    expect(runs).toHaveLength(1);
    await finish(0, "v1");
    await expect(first).resolves.toBe("v1");
    await expect(second).resolves.toBe("v1");
    await expect(rebuilder.get()).resolves.toBe("v1");
    expect(runs).toHaveLength(1);
    // The first build answers a request, not a change: nothing to bring to a page.
    expect(reports).toEqual([]);
    expect(rebuilder.latest).toBe("v1");
  });

  it("starts a lone change's build at once, without the burst pause", async () => {
    const { rebuilder, runs, reports, finish } = harness();
    void rebuilder.get();
    await finish(0, "v1");
    rebuilder.rebuild("lib.rs");
    expect(runs).toHaveLength(2);
    await finish(1, "v2");
    expect(reports).toEqual([{ ok: true, value: "v2", changes: ["lib.rs"] }]);
  });

  it("gives saves during a build exactly one follow-up build, after the build and a quiet pause", async () => {
    const { rebuilder, runs, reports, finish } = harness();
    rebuilder.rebuild("a.rs");
    expect(runs).toHaveLength(1);
    rebuilder.rebuild("b.rs");
    await vi.advanceTimersByTimeAsync(30);
    rebuilder.rebuild("c.rs");
    rebuilder.rebuild("b.rs");
    expect(runs).toHaveLength(1);
    await finish(0, "v1");
    // Superseded by the saves that came during it: not reported, and no build yet.
    expect(reports).toEqual([]);
    expect(rebuilder.isBuilding).toBe(false);
    await vi.advanceTimersByTimeAsync(BURST_QUIET_MS);
    expect(runs).toHaveLength(2);
    await finish(1, "v2");
    expect(reports).toEqual([{ ok: true, value: "v2", changes: ["a.rs", "b.rs", "c.rs", "b.rs"] }]);
    await vi.advanceTimersByTimeAsync(10 * BURST_QUIET_MS);
    expect(runs).toHaveLength(2);
  });

  it("waits for the burst to go quiet: a save during the pause pushes the build back", async () => {
    const { rebuilder, runs, finish } = harness();
    rebuilder.rebuild("a.rs");
    rebuilder.rebuild("b.rs");
    await finish(0, "v1");
    await vi.advanceTimersByTimeAsync(BURST_QUIET_MS - 10);
    rebuilder.rebuild("c.rs");
    await vi.advanceTimersByTimeAsync(BURST_QUIET_MS - 10);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toHaveLength(2);
  });

  it("reports a failing build, then the fix", async () => {
    const { rebuilder, runs, reports, finish } = harness();
    void rebuilder.get();
    await finish(0, "v1");
    rebuilder.rebuild("lib.rs");
    const broken = new Error("error[E0308]: mismatched types");
    await finish(1, broken);
    expect(reports).toEqual([{ ok: false, error: broken, changes: ["lib.rs"] }]);
    // A request while nothing changed gets the same failure, without building again.
    await expect(rebuilder.get()).rejects.toBe(broken);
    expect(runs).toHaveLength(2);
    // The last good value is still there to serve.
    expect(rebuilder.latest).toBe("v1");
    rebuilder.rebuild("lib.rs");
    await finish(2, "v2");
    expect(reports.at(-1)).toEqual({ ok: true, value: "v2", changes: ["lib.rs"] });
    await expect(rebuilder.get()).resolves.toBe("v2");
  });

  it("does not report a failure that newer saves superseded", async () => {
    const { rebuilder, reports, finish } = harness();
    rebuilder.rebuild("lib.rs");
    rebuilder.rebuild("lib.rs");
    await finish(0, new Error("broken half-way through a save"));
    await vi.advanceTimersByTimeAsync(BURST_QUIET_MS);
    await finish(1, "fixed");
    expect(reports).toEqual([{ ok: true, value: "fixed", changes: ["lib.rs", "lib.rs"] }]);
  });

  it("starts the build when a request arrives mid-burst, and builds nothing more when the pause ends", async () => {
    const { rebuilder, runs, reports, finish } = harness();
    rebuilder.rebuild("a.rs");
    rebuilder.rebuild("b.rs");
    await finish(0, "v1");
    await vi.advanceTimersByTimeAsync(BURST_QUIET_MS / 2);
    const page = rebuilder.get();
    expect(runs).toHaveLength(2);
    await finish(1, "v2");
    await expect(page).resolves.toBe("v2");
    expect(reports).toEqual([{ ok: true, value: "v2", changes: ["a.rs", "b.rs"] }]);
    await vi.advanceTimersByTimeAsync(10 * BURST_QUIET_MS);
    expect(runs).toHaveLength(2);
  });

  it("hands a request that joined a build the follow-up's result when saves came during it", async () => {
    const { rebuilder, runs, finish } = harness();
    rebuilder.rebuild("a.rs");
    const page = rebuilder.get();
    rebuilder.rebuild("b.rs");
    await finish(0, "v1");
    // The request does not wait for the pause: it starts the follow-up itself.
    expect(runs).toHaveLength(2);
    await finish(1, "v2");
    await expect(page).resolves.toBe("v2");
  });

  it("only marks the crate stale on invalidate: the next request builds (Rollup's watch mode)", async () => {
    const { rebuilder, runs, finish } = harness();
    void rebuilder.get();
    await finish(0, "v1");
    rebuilder.invalidate("lib.rs");
    await vi.advanceTimersByTimeAsync(10 * BURST_QUIET_MS);
    expect(runs).toHaveLength(1);
    const next = rebuilder.get();
    expect(runs).toHaveLength(2);
    await finish(1, "v2");
    await expect(next).resolves.toBe("v2");
  });

  it("cancels on close: aborts the running build, reports nothing, starts nothing", async () => {
    const { rebuilder, runs, reports, stop } = harness();
    rebuilder.rebuild("a.rs");
    const page = rebuilder.get();
    rebuilder.rebuild("b.rs");
    stop.abort();
    expect(runs[0]!.signal.aborted).toBe(true);
    await expect(page).rejects.toBeInstanceOf(CancelledError);
    await vi.advanceTimersByTimeAsync(10 * BURST_QUIET_MS);
    rebuilder.rebuild("c.rs");
    await expect(rebuilder.get()).rejects.toBeInstanceOf(CancelledError);
    expect(runs).toHaveLength(1);
    expect(reports).toEqual([]);
  });

  it("cancels a follow-up still waiting for the pause when closed", async () => {
    const { rebuilder, runs, stop, finish } = harness();
    rebuilder.rebuild("a.rs");
    rebuilder.rebuild("b.rs");
    await finish(0, "v1");
    stop.abort();
    await vi.advanceTimersByTimeAsync(10 * BURST_QUIET_MS);
    expect(runs).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
