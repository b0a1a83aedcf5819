// A module worker that imports the crate, as the page does: with only `plugins: [crate()]`
// in vite.config.ts, the plugin also builds worker bundles (see the README, "Workers").
import { add, greet } from "../crate/Cargo.toml";

self.postMessage(`${greet("worker")} ${add(40, 2)}`);
