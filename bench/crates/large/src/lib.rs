//! Each export pulls in a large dependency, so the wasm is the size of a real app's
//! hot path moved to Rust (about 1.4 MB after wasm-opt).
use image::{GenericImageView, ImageFormat};
use pulldown_cmark::{html, Options, Parser};
use regex::Regex;
use wasm_bindgen::prelude::*;

/// Decodes a PNG, JPEG, GIF or WebP image and describes it: "png 3x2, 7 distinct colours".
#[wasm_bindgen]
pub fn describe_image(bytes: &[u8]) -> Result<String, JsError> {
    let format = image::guess_format(bytes)?;
    let decoded = image::load_from_memory_with_format(bytes, format)?;
    let (width, height) = decoded.dimensions();
    let mut colours: Vec<[u8; 4]> = decoded.to_rgba8().pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    let name = match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::Gif => "gif",
        ImageFormat::WebP => "webp",
        _ => "other",
    };
    Ok(format!("{name} {width}x{height}, {} distinct colours", colours.len()))
}

/// Re-encodes an image as a greyscale PNG (exercises the encoder as well as the decoders).
#[wasm_bindgen]
pub fn to_grey_png(bytes: &[u8]) -> Result<Vec<u8>, JsError> {
    let grey = image::load_from_memory(bytes)?.grayscale();
    let mut out = std::io::Cursor::new(Vec::new());
    grey.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// Every match of `pattern` in `text`.
#[wasm_bindgen]
pub fn find_all(pattern: &str, text: &str) -> Result<Vec<String>, JsError> {
    let regex = Regex::new(pattern)?;
    Ok(regex.find_iter(text).map(|m| m.as_str().to_owned()).collect())
}

/// Parses JSON and prints it back with two-space indentation.
#[wasm_bindgen]
pub fn pretty_json(json: &str) -> Result<String, JsError> {
    let value: serde_json::Value = serde_json::from_str(json)?;
    Ok(serde_json::to_string_pretty(&value)?)
}

/// Renders CommonMark (with tables, footnotes, strikethrough and task lists) to HTML.
#[wasm_bindgen]
pub fn render_markdown(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::all());
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}
