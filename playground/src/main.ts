import { add, Counter, greet, invert, Mood, mood_label, parse_percent } from "../crate/Cargo.toml";

function show(id: string, value: unknown): void {
  document.getElementById(id)!.textContent = String(value);
}

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

const counter = new Counter(10);
const button = document.getElementById("counter")!;
button.addEventListener("click", () => {
  button.textContent = `count is ${counter.increment()}`;
});

show("status", "Ready");
