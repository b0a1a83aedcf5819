// One `vite build` for bench/scale.mjs, in its own process (so a cold build starts cold
// and peak RSS is this build's): builds the app in argv[2] with one plugin and prints,
// as the last line of stdout, JSON with the plugin's step times and the process's peak
// RSS. Not meant to be run by hand.
//
//   node bench/scale-build.mjs <app dir> <plugin entry URL> <plugin options JSON> <ours|peer>
import { build } from "vite";

const [appDir, pluginUrl, optionsJson, tool] = process.argv.slice(2);
if (!appDir || !pluginUrl || !optionsJson || !tool) throw new Error("usage: scale-build.mjs <app dir> <plugin URL> <options JSON> <ours|peer>");

const { default: plugin } = await import(pluginUrl);
// Ours returns its sub-plugins, the peer one plugin.
const plugins = [plugin(JSON.parse(optionsJson))].flat();
await build({
  root: appDir,
  configFile: false,
  logLevel: "warn",
  plugins,
  build: { outDir: "dist", emptyOutDir: true },
});
// Ours keeps its step times on the api its first sub-plugin carries (src/build-stats.ts).
const ms = tool === "ours" ? plugins[0].api.crates.stats.ms : undefined;
console.log(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS }));
