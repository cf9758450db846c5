//! Fitting text to a pane's width by hand, so nothing is cut at a border: prose wraps at spaces
//! with a hanging indent; code and server output wrap anywhere, marking the break with `↩`.

/// Word-wraps `text` to `width` columns: the first line starts with `first`, the rest with
/// `rest` (a hanging indent). A word longer than a line is broken like code.
pub fn words(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        let room = width.saturating_sub(columns(&line));
        let need = columns(word) + usize::from(!empty);
        if !empty && need > room {
            lines.push(std::mem::replace(&mut line, rest.to_owned()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        if columns(&line) + columns(word) > width {
            // Too long for any line: break it like code.
            let indent = line.clone();
            let mut pieces = code(word, width, &indent, rest);
            line = pieces.pop().unwrap_or_default();
            lines.extend(pieces);
        } else {
            line.push_str(word);
        }
        empty = false;
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Breaks one line of code or output at `width` columns, anywhere: each broken piece ends with
/// `↩` and the next starts with `rest`, so a reader sees it is one line.
pub fn code(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_owned();
    for ch in text.chars() {
        if columns(&line) + 2 > width && columns(&line) > columns(rest) {
            line.push('↩');
            lines.push(std::mem::replace(&mut line, rest.to_owned()));
        }
        line.push(ch);
    }
    lines.push(line);
    lines
}

fn columns(text: &str) -> usize {
    text.chars().count()
}

/// Lines fitted to a pane `width` columns wide, leaving its last column free: a line that fits
/// stays as it is (all its styles); a longer one is word-wrapped in its first span's style, its
/// leading spaces kept as a hanging indent.
pub fn fit(lines: Vec<ratatui::text::Line<'_>>, width: u16) -> Vec<ratatui::text::Line<'static>> {
    use ratatui::text::{Line, Span};
    let width = usize::from(width.saturating_sub(1)).max(8);
    let mut out = Vec::new();
    for line in lines {
        if line.width() <= width {
            out.push(Line::from(
                line.spans
                    .iter()
                    .map(|s| Span::styled(s.content.to_string(), s.style))
                    .collect::<Vec<_>>(),
            ));
            continue;
        }
        let style = line
            .spans
            .first()
            .map_or(line.style, |s| line.style.patch(s.style));
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let indent: String = text.chars().take_while(|c| *c == ' ').collect();
        out.extend(
            words(&text, width, &indent, &indent)
                .into_iter()
                .map(|l| Line::styled(l, style)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_wraps_at_spaces_with_a_hanging_indent() {
        assert_eq!(
            words("Wait until no other program uses apt", 20, "1. ", "   "),
            ["1. Wait until no", "   other program", "   uses apt"]
        );
    }

    #[test]
    fn code_breaks_anywhere_and_marks_the_break() {
        let lines = code("abcdefghij", 6, "  ", "  ");
        assert_eq!(lines, ["  abc↩", "  def↩", "  ghi↩", "  j"]);
        assert!(lines.iter().all(|l| l.chars().count() <= 6));
    }

    #[test]
    fn a_word_longer_than_the_line_is_broken_not_lost() {
        let lines = words("see aaaaaaaaaaaaaaa", 8, "", "");
        assert_eq!(lines.concat().replace('↩', ""), "seeaaaaaaaaaaaaaaa");
        assert!(lines.iter().all(|l| l.chars().count() <= 8), "{lines:?}");
    }
}
