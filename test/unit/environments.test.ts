import { describe, expect, test } from "vitest";
import type { PluginApi } from "../../src/api.ts";
import { perEnvironment } from "../../src/utils/per-environment.ts";
import { runsInNode } from "../../src/plugins/runtime.ts";

/** Just the fields runsInNode reads. */
function api(target: "web" | "node" | undefined, modulesRunInNode = false): PluginApi {
  return { options: { target }, settings: { modulesRunInNode } } as unknown as PluginApi;
}
const inEnvironment = (consumer: "client" | "server") => ({ environment: { config: { consumer } } });

describe("runsInNode", () => {
  test.each([
    ["a client environment", inEnvironment("client"), api(undefined), false],
    ["a server environment (SSR)", inEnvironment("server"), api(undefined), true],
    ["Vitest, even in the client environment (happy-dom, jsdom)", inEnvironment("client"), api(undefined, true), true],
    ['target: "web" over a server environment', inEnvironment("server"), api("web"), false],
    ['target: "node" under plain Rollup', {}, api("node"), true],
    ["plain Rollup without a target", {}, api(undefined), false],
  ])("%s", (_name, context, pluginApi, expected) => {
    expect(runsInNode(context, pluginApi)).toBe(expected);
  });
});

describe("perEnvironment", () => {
  test("keeps one state per environment, and reset starts one afresh", () => {
    const state = perEnvironment(() => new Set<string>());
    const client = { environment: {} };
    const ssr = { environment: {} };
    state.get(client).add("a");
    expect(state.get(client).has("a")).toBe(true);
    expect(state.get(ssr).size).toBe(0);
    state.reset(client);
    expect(state.get(client).size).toBe(0);
  });

  test("plain Rollup's contexts, which have no environment, share one state", () => {
    const state = perEnvironment(() => new Set<string>());
    state.get({}).add("a");
    expect(state.get({}).has("a")).toBe(true);
  });
});
