import { add, Counter, greet, invert, Mood, mood_label, parse_percent, version } from "../crate/Cargo.toml";

function show(id: string, value: unknown): void {
  document.getElementById(id)!.textContent = String(value);
}

/** Shows what the crate's functions return; runs again after each hot update. */
function render(): void {
  show("greet", greet("Ada"));
  show("add", add(2, 40));
  show("percent", parse_percent("42%"));
  try {
    parse_percent("lots");
    show("percent-error", "did not throw");
  } catch (error) {
    show("percent-error", (error as Error).message);
  }
  show("invert", invert(Uint8Array.of(0, 255, 15)).join(","));
  show("mood", mood_label(Mood.Curious));
  show("isolated", self.crossOriginIsolated);
  show("version", version());
}

let counter = new Counter(10);
const button = document.getElementById("counter")!;
button.addEventListener("click", () => {
  button.textContent = `count is ${counter.increment()}`;
});

// After a .rs edit, vite-plugin-crate swaps in the rebuilt exports without reloading
// the page. Objects made by the old wasm keep working against the old module; make new
// ones from the new module, carrying their state over.
window.addEventListener("vite-plugin-crate:update", () => {
  const count = counter.count;
  counter.free();
  counter = new Counter(count);
  render();
});

// The same crate in a web worker: it posts one message once its wasm is ready. The page
// says it is ready only then, so nothing is still loading when it does.
const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
worker.addEventListener("message", (event: MessageEvent<string>) => {
  show("worker", event.data);
  show("status", "Ready");
});

render();
