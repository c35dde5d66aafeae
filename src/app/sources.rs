//! What a web-searching answer adds in the room: the sources it cites, as a numbered list of
//! titles and addresses under its text (plain text, wrapped to the pane; never terminal
//! hyperlinks), and the price of its searches from the catalog (`pricing.web_search`), kept
//! apart from its token cost in the footer and the spend view.

use super::pane::Answer;
use super::{App, RequestId};
use crate::api::citations::numbered;
use unicode_segmentation::UnicodeSegmentation;

use crate::text::{width_of, wrap};

/// What a row of the sources block shows, for its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceRow {
    Head,
    Title,
    Url,
}

/// Columns an address is indented under its title.
const URL_INDENT: &str = "    ";

/// The sources block of `a` at `width` columns: a `sources` header, then for each source
/// `[n] Title` and its address on the rows below; nothing without sources.
pub fn source_rows(a: &Answer, width: u16) -> Vec<(SourceRow, String)> {
    let cited = &a.reply.citations;
    if cited.is_empty() {
        return Vec::new();
    }
    let width = usize::from(width.max(1));
    let n = cited.len();
    let head = format!("sources ({n})");
    let mut rows = vec![(SourceRow::Head, head)];
    for (title, url) in numbered(cited) {
        rows.extend(
            wrap(&title, width)
                .into_iter()
                .map(|r| (SourceRow::Title, r)),
        );
        if let Some(url) = url {
            // An address breaks anywhere: indented while the indent leaves it room.
            let indent = if width > URL_INDENT.len() * 4 {
                URL_INDENT
            } else {
                ""
            };
            let room = (width - indent.len()).max(1);
            let mut piece = String::new();
            for g in url.graphemes(true) {
                if !piece.is_empty() && width_of(&piece) + width_of(g) > room {
                    rows.push((SourceRow::Url, format!("{indent}{piece}")));
                    piece.clear();
                }
                piece.push_str(g);
            }
            rows.push((SourceRow::Url, format!("{indent}{piece}")));
        }
    }
    rows
}

/// Prices the searches of pane `i`'s answer to `request` at the catalog's `web_search` price
/// for the model that served (else the pane's model). Without a catalog price the gateway's
/// own split of the bill (read from the stream) stays.
pub(super) fn price_searches(app: &mut App, i: usize, request: RequestId) {
    let Some(p) = app.panes.get(i) else { return };
    let Some(a) = p.answers().rev().find(|a| a.request == request) else {
        return;
    };
    if a.reply.usage.is_none_or(|u| u.web_search_requests == 0) || !p.model.on_default() {
        return;
    }
    let Some(index) = app.catalog.index() else {
        return;
    };
    let asked = p.routing.model_id(p.model.id());
    let price = a
        .reply
        .served_model
        .as_deref()
        .and_then(|m| index.catalog.pricing(m))
        .or_else(|| index.catalog.pricing(&asked))
        .and_then(|pr| pr.web_search);
    if let Some(usage) = app.panes[i]
        .answer_mut(request)
        .and_then(|a| a.reply.usage.as_mut())
    {
        usage.price_searches(price);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Citation, Reply};
    use crate::app::pane::{AnswerState, CostState};

    #[test]
    fn sources_list_numbered_titles_and_wrapped_addresses() {
        let mut reply = Reply::new(tokio::time::Instant::now());
        reply.citations = vec![
            Citation::new(
                "https://www.ruby-lang.org/en/downloads/",
                "Download Ruby | Ruby",
            )
            .unwrap(),
            Citation::new("https://b.example/\u{1b}[2J", "").unwrap(),
        ];
        let a = Answer::new(
            RequestId(1),
            reply,
            AnswerState::Complete,
            CostState::Unknown,
        );
        let rows = source_rows(&a, 30);
        let text: Vec<&str> = rows.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(
            text,
            [
                "sources (2)",
                "[1] Download Ruby | Ruby",
                "    https://www.ruby-lang.org/",
                "    en/downloads/",
                "[2] https://b.example/",
            ]
        );
        assert_eq!(rows[2].0, SourceRow::Url);
        assert!(rows.iter().all(|(_, r)| crate::text::width_of(r) <= 30));
        let none = Answer::new(
            RequestId(2),
            Reply::new(tokio::time::Instant::now()),
            AnswerState::Complete,
            CostState::Unknown,
        );
        assert!(source_rows(&none, 30).is_empty());
    }
}
