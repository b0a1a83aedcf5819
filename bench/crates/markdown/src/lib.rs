use pulldown_cmark::{html, Options, Parser};
use wasm_bindgen::prelude::*;

/// Renders CommonMark (with tables, footnotes, strikethrough and task lists) to HTML.
#[wasm_bindgen]
pub fn render(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::all());
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}
