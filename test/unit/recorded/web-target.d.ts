/* tslint:disable */
/* eslint-disable */

/**
 * A struct exported as a JS class.
 */
export class Counter {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Adds one and returns the new count.
     */
    increment(): number;
    constructor(start: number);
    readonly count: number;
}

/**
 * An enum exported to JS.
 */
export enum Mood {
    Happy = 0,
    Curious = 1,
}

/**
 * Numbers in, number out.
 */
export function add(a: number, b: number): number;

/**
 * Strings in, string out.
 */
export function greet(name: string): string;

/**
 * A typed-array round trip: `Uint8Array` in, `Uint8Array` out.
 */
export function invert(bytes: Uint8Array | number[]): Uint8Array;

export function mood_label(mood: Mood): string;

/**
 * A `Result` whose `Err` becomes a thrown JS `Error`.
 */
export function parse_percent(input: string): number;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_counter_free: (a: number, b: number) => void;
    readonly add: (a: number, b: number) => number;
    readonly counter_count: (a: number) => number;
    readonly counter_increment: (a: number) => number;
    readonly counter_new: (a: number) => number;
    readonly greet: (a: number, b: number) => [number, number];
    readonly invert: (a: number, b: number) => [number, number];
    readonly mood_label: (a: number) => [number, number];
    readonly parse_percent: (a: number, b: number) => [number, number, number];
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
