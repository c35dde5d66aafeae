//! The one seam through which a model's identity reaches the screen: its id, the model that
//! served, the provider, the routing asked for. Every view names a pane's model through
//! `Identity`, so a blind round (the arena) hides it everywhere at once by setting one flag
//! (`App::set_blind`).

use super::answer::{Answer, footer_text};
use super::pane::{Pane, wrap_note};
use crate::api::ApiError;
use crate::sanitize::Clean;

/// What a view may show of who answered in one pane.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    pane: &'a Pane,
    index: usize,
}

impl<'a> Identity<'a> {
    /// The names of `pane`, the `index`th in the room (its blind label is by position).
    pub fn new(pane: &'a Pane, index: usize) -> Self {
        Self { pane, index }
    }

    pub fn is_blind(&self) -> bool {
        self.pane.blind
    }

    /// The pane's model: its id, or `model A`, `model B`… in a blind round.
    pub fn model(&self) -> Clean {
        if self.pane.blind {
            Clean::line(&blind_label(self.index))
        } else {
            Clean::line(self.pane.model.as_str())
        }
    }

    /// The provider that served the latest answer that named one (none in a blind round).
    pub fn last_provider(&self) -> Option<&'a Clean> {
        if self.pane.blind {
            return None;
        }
        self.pane
            .answers()
            .rev()
            .find_map(|a| a.reply.provider.as_ref())
    }

    /// The provider of one answer (none in a blind round).
    pub fn provider(&self, a: &'a Answer) -> Option<&'a Clean> {
        a.reply.provider.as_ref().filter(|_| !self.pane.blind)
    }

    /// The model that really answered, when a fallback did (none in a blind round).
    pub fn served_instead(&self) -> Option<&'a Clean> {
        self.pane
            .served_instead
            .as_ref()
            .filter(|_| !self.pane.blind)
    }

    /// The routing asked for, when it is not the gateway's default (provider names can tell a
    /// model: none in a blind round).
    pub fn routing(&self) -> Option<Clean> {
        (!self.pane.blind && !self.pane.routing.is_default())
            .then(|| Clean::line(&self.pane.routing.label()))
    }

    /// The pane's own settings, compactly (`T0.2 · effort high · sys "terse"`), when it has
    /// any. They are what is being compared, so a blind round shows them too (scrubbed of
    /// names).
    pub fn settings(&self) -> Option<Clean> {
        (!self.pane.settings.is_default())
            .then(|| self.scrub(&Clean::line(&self.pane.settings.label())))
    }

    /// A finished answer's footer (provider, cost, tokens, speed), blind as the pane is.
    pub fn footer(&self, a: &Answer) -> Option<Clean> {
        let fallback = self.fallback(a).map(|f| f.note());
        let text = footer_text(
            a,
            self.pane.model.as_str(),
            self.pane.blind,
            fallback.as_deref(),
        )?;
        let served = a.reply.provider.as_ref().map(Clean::as_str);
        let text = match super::shootout::broken_pin(self.pane, served) {
            Some(loud) if !self.pane.blind => Clean::line(&format!("{text} · {loud}")),
            _ => text,
        };
        Some(self.hide(text))
    }

    /// What served `a` when a fallback did: a fallback model, or a provider other than the
    /// first of the pane's order (none in a blind round: it names them).
    pub fn fallback(&self, a: &Answer) -> Option<crate::served::Fallback> {
        if self.pane.blind {
            return None;
        }
        crate::served::fallback(
            self.pane.model.id(),
            &self.pane.routing,
            a.reply.served_model.as_deref(),
            a.reply.provider.as_deref(),
        )
    }

    /// The provider a shoot-out pinned this pane to (`Aurora Cloud · bf16`); none when blind.
    pub fn pinned(&self) -> Option<&'a Clean> {
        self.pane.pinned.as_ref().filter(|_| !self.pane.blind)
    }

    /// The note about the pane itself ("… was rejected").
    pub fn note(&self) -> Option<Clean> {
        match (&self.pane.cannot_take, &self.pane.note) {
            (Some(a), Some(n)) => {
                let mut both = a.clone();
                both.push(&Clean::line(" · "));
                both.push(n);
                Some(self.hide(both))
            }
            (Some(n), None) | (None, Some(n)) => Some(self.scrub(n)),
            (None, None) => None,
        }
    }

    /// `text` with every name that tells this pane's model (its id, the served model, the
    /// providers) replaced by the blind label; unchanged when the round is not blind.
    pub fn scrub(&self, text: &Clean) -> Clean {
        self.hide(text.clone())
    }

    /// `scrub`, taking the text: views call it every frame, and outside a blind round it
    /// costs nothing.
    fn hide(&self, text: Clean) -> Clean {
        if !self.pane.blind {
            return text;
        }
        scrub_names(&text, &self.names(), &blind_label(self.index))
    }

    /// Every name of this pane that a blind round hides, longest first (so a model id goes
    /// before a shorter name inside it).
    fn names(&self) -> Vec<String> {
        let p = self.pane;
        let mut names = vec![p.model.to_string()];
        if let Some((_, id)) = p.model.as_str().split_once('/') {
            names.push(id.to_owned());
        }
        names.extend(p.served_instead.iter().map(ToString::to_string));
        for a in p.answers() {
            names.extend(a.reply.provider.iter().map(ToString::to_string));
            names.extend(a.reply.served_model.iter().map(ToString::to_string));
            if let Some(
                ApiError::Http {
                    provider: Some(provider),
                    ..
                }
                | ApiError::InStream {
                    provider: Some(provider),
                    ..
                },
            ) = &a.reply.error
            {
                names.push(Clean::line(provider).into_string());
            }
        }
        names.retain(|n| !n.trim().is_empty());
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names.dedup();
        names
    }
}

/// The name of the `index`th pane in a blind round.
pub fn blind_label(index: usize) -> String {
    let letter = u8::try_from(index % 26).map_or('?', |i| char::from(b'A' + i));
    format!("model {letter}")
}

/// `text` with each of `names` replaced by `label`.
fn scrub_names(text: &Clean, names: &[String], label: &str) -> Clean {
    let mut out = text.to_string();
    for name in names {
        out = out.replace(name.as_str(), label);
    }
    Clean::line(&out)
}

impl Pane {
    /// The names views may show for this pane, the `index`th of the room.
    pub fn identity(&self, index: usize) -> Identity<'_> {
        Identity::new(self, index)
    }

    /// Rows of an answer's footer: a live one's is one row (a spinner); a finished one's
    /// wraps like text, as blind as the pane (a blind label is as long at every index).
    pub(super) fn footer_rows(&self, a: &Answer) -> usize {
        let sources = super::sources::source_rows(a, self.width).len();
        sources
            + Identity::new(self, 0)
                .footer(a)
                .map_or(1, |t| wrap_note(&t, self.width).len())
    }
}

impl super::App {
    /// The names of pane `i` as views may show them.
    pub fn identity(&self, i: usize) -> Option<Identity<'_>> {
        self.panes.get(i).map(|p| Identity::new(p, i))
    }

    /// Whether model identities are hidden (a blind round).
    pub fn is_blind(&self) -> bool {
        self.blind
    }

    /// Hides (or shows again) every model's identity on screen: pane titles, footers, the
    /// status bar, the spend view, notices, errors and the session browser.
    pub fn set_blind(&mut self, blind: bool) {
        self.blind = blind;
        for p in &mut self.panes {
            p.blind = blind;
        }
        self.mark_dirty();
    }

    /// A room-wide text (a notice, an error) with every pane's names hidden in a blind round.
    pub fn scrub(&self, text: &Clean) -> Clean {
        self.panes
            .iter()
            .enumerate()
            .fold(text.clone(), |t, (i, p)| Identity::new(p, i).hide(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::PaneId;

    #[test]
    fn a_blind_pane_is_named_by_its_place_and_its_names_are_scrubbed() {
        let mut p = Pane::new(PaneId(1), "openai/gpt-x".parse().unwrap());
        assert_eq!(Identity::new(&p, 1).model(), "openai/gpt-x");
        p.blind = true;
        let id = Identity::new(&p, 1);
        assert_eq!(id.model(), "model B");
        let text = Clean::line("openai/gpt-x failed; gpt-x is busy");
        assert_eq!(id.scrub(&text), "model B failed; model B is busy");
    }

    #[tokio::test]
    async fn a_provider_off_the_order_shows_in_the_footer_unless_blind() {
        use crate::api::Reply;
        use crate::app::pane::{AnswerState, CostState, Entry};
        use crate::app::{Answer, RequestId};
        let mut p = Pane::new(PaneId(1), "demo/flaky".parse().unwrap());
        p.routing.order = vec!["flakeway".into()];
        let mut reply = Reply::new(tokio::time::Instant::now());
        reply.provider = Some(Clean::line("Aurora Cloud"));
        let a = Answer::new(
            RequestId(1),
            reply,
            AnswerState::Complete,
            CostState::Unknown,
        );
        p.entries.push(Entry::Answer(Box::new(a)));
        let footer = |p: &Pane| {
            let a = p.last_answer().unwrap();
            Identity::new(p, 0).footer(a).unwrap().to_string()
        };
        assert!(
            footer(&p).contains("↪ Aurora Cloud served, not flakeway (first in order)"),
            "{}",
            footer(&p)
        );
        p.blind = true;
        assert!(!footer(&p).contains('↪'), "{}", footer(&p));
    }
}
