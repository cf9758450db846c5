//! Renders a ratatui buffer to SVG with its colours, so the screenshots in screenshots/ are made
//! from the real app's frames (by `tests/screens.rs`), never drawn by hand.

use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CELL_W: f32 = 8.4;
const CELL_H: f32 = 17.0;
const BG: &str = "#1e1e2e";
const FG: &str = "#d9dce3";

fn hex(color: Color, default: &str) -> String {
    let named = match color {
        Color::Reset => return default.to_owned(),
        Color::Black => "#1e1e2e",
        Color::Red => "#e06c75",
        Color::Green => "#98c379",
        Color::Yellow => "#e5c07b",
        Color::Blue => "#61afef",
        Color::Magenta => "#c678dd",
        Color::Cyan => "#56b6c2",
        Color::Gray => "#abb2bf",
        Color::DarkGray => "#6b7280",
        Color::LightRed => "#ff7b86",
        Color::LightGreen => "#b5f0a0",
        Color::LightYellow => "#ffe08a",
        Color::LightBlue => "#8cc8ff",
        Color::LightMagenta => "#e3a3f0",
        Color::LightCyan => "#8be9fd",
        Color::White => "#ffffff",
        Color::Rgb(r, g, b) => return format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => return format!("#{i:02x}{i:02x}{i:02x}"),
    };
    named.to_owned()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The buffer as a standalone SVG document (monospace text on a dark terminal background).
pub fn to_svg(buffer: &Buffer) -> String {
    let area = buffer.area;
    let width = f32::from(area.width) * CELL_W;
    let height = f32::from(area.height) * CELL_H;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="{BG}"/>"#);
    for y in 0..area.height {
        for x in 0..area.width {
            let Some(cell) = buffer.cell((area.x + x, area.y + y)) else {
                continue;
            };
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let (mut fg, mut bg) = (hex(cell.fg, FG), hex(cell.bg, BG));
            if reversed {
                std::mem::swap(&mut fg, &mut bg);
            }
            let (px, py) = (f32::from(x) * CELL_W, f32::from(y) * CELL_H);
            if bg != BG {
                let _ = writeln!(
                    out,
                    r#"<rect x="{px}" y="{py}" width="{CELL_W}" height="{CELL_H}" fill="{bg}"/>"#
                );
            }
            let symbol = cell.symbol();
            if symbol.trim().is_empty() {
                continue;
            }
            let weight = if cell.modifier.contains(Modifier::BOLD) {
                r#" font-weight="bold""#
            } else {
                ""
            };
            let _ = writeln!(
                out,
                r#"<text x="{px}" y="{}" fill="{fg}"{weight}>{}</text>"#,
                py + CELL_H * 0.78,
                escape(symbol)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}
