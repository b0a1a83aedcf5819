//! The crate the playground app imports through `import … from "../crate/Cargo.toml"`.
use wasm_bindgen::prelude::*;

/// Strings in, string out.
#[wasm_bindgen]
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}

/// The crate's version, from Cargo.toml (so an edit there shows on the page).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").into()
}

/// Numbers in, number out.
#[wasm_bindgen]
pub fn add(a: i32, b: i32) -> i32 {
    // Try it: edit this function while `npm run dev` runs; the page updates in place.
    a + b
}

/// A `Result` whose `Err` becomes a thrown JS `Error`.
#[wasm_bindgen]
pub fn parse_percent(input: &str) -> Result<f64, JsError> {
    let value: f64 = input
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| JsError::new(&format!("not a percentage: {input:?}")))?;
    Ok(value / 100.0)
}

/// A typed-array round trip: `Uint8Array` in, `Uint8Array` out.
#[wasm_bindgen]
pub fn invert(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().map(|b| !b).collect()
}

/// A struct exported as a JS class.
#[wasm_bindgen]
pub struct Counter {
    count: u32,
}

#[wasm_bindgen]
impl Counter {
    #[wasm_bindgen(constructor)]
    pub fn new(start: u32) -> Counter {
        Counter { count: start }
    }

    /// Adds one and returns the new count.
    pub fn increment(&mut self) -> u32 {
        self.count += 1;
        self.count
    }

    #[wasm_bindgen(getter)]
    pub fn count(&self) -> u32 {
        self.count
    }
}

/// An enum exported to JS.
#[wasm_bindgen]
#[derive(Clone, Copy)]
pub enum Mood {
    Happy = 0,
    Curious = 1,
}

#[wasm_bindgen]
pub fn mood_label(mood: Mood) -> String {
    match mood {
        Mood::Happy => "happy".into(),
        Mood::Curious => "curious".into(),
    }
}
