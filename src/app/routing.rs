//! The routing form for one pane: provider sort, model variant, price cap, fallback models,
//! provider order / only / ignore and whether other providers may step in. Up/Down pick a
//! field, Left/Right/Space change a choice, text fields take typing; Enter applies.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{PaneId, Prompt};
use crate::api::{MaxPrice, ProviderSort, Routing, Variant};
use crate::routing::parse_list;
use crate::sanitize::Clean;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Sort,
    Variant,
    MaxPrice,
    Fallbacks,
    Order,
    Only,
    Ignore,
    AllowFallbacks,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Self::Sort,
        Self::Variant,
        Self::MaxPrice,
        Self::Fallbacks,
        Self::Order,
        Self::Only,
        Self::Ignore,
        Self::AllowFallbacks,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Sort => "provider sort",
            Self::Variant => "variant",
            Self::MaxPrice => "max price $/M",
            Self::Fallbacks => "fallback models",
            Self::Order => "provider order",
            Self::Only => "only providers",
            Self::Ignore => "ignore providers",
            Self::AllowFallbacks => "other providers",
        }
    }

    pub fn is_choice(self) -> bool {
        matches!(self, Self::Sort | Self::Variant | Self::AllowFallbacks)
    }
}

#[derive(Debug, Clone)]
pub struct RoutingForm {
    pub pane: PaneId,
    pub model: String,
    /// The pane's model as the screen names it (`Identity::model`).
    pub label: Clean,
    pub field: usize,
    pub sort: Option<ProviderSort>,
    pub variant: Option<Variant>,
    pub allow_fallbacks: bool,
    pub max_price: Prompt,
    pub fallbacks: Prompt,
    pub order: Prompt,
    pub only: Prompt,
    pub ignore: Prompt,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FormOutcome {
    Stay,
    Close,
    Apply(Routing),
}

fn text(value: &str, hint: &str) -> Prompt {
    let mut p = Prompt::new(hint);
    p.set_text(value);
    p
}

/// The next value in `None, Some(all[0]), …, Some(all[n-1])`, or the previous one.
fn cycle<T: Copy + PartialEq>(current: Option<T>, all: &[T], forward: bool) -> Option<T> {
    let pos = current.and_then(|c| all.iter().position(|v| *v == c));
    let n = all.len() + 1;
    let at = pos.map_or(0, |p| p + 1);
    let next = if forward {
        (at + 1) % n
    } else {
        (at + n - 1) % n
    };
    next.checked_sub(1).map(|i| all[i])
}

impl RoutingForm {
    pub fn new(pane: PaneId, model: &str, r: &Routing) -> Self {
        Self {
            pane,
            model: model.to_owned(),
            label: Clean::line(model),
            field: 0,
            sort: r.sort,
            variant: r.variant,
            allow_fallbacks: r.allow_fallbacks,
            max_price: text(
                &r.max_price.map(|m| m.to_string()).unwrap_or_default(),
                "none; e.g. 2, or 1/4 for prompt/completion",
            ),
            fallbacks: text(
                &r.fallbacks.join(", "),
                "none; models tried in order, comma-separated",
            ),
            order: text(
                &r.order.join(", "),
                "none; provider slugs, e.g. anthropic, openai",
            ),
            only: text(&r.only.join(", "), "any; provider slugs"),
            ignore: text(&r.ignore.join(", "), "none; provider slugs"),
            error: None,
        }
    }

    /// What the request will carry, or why it cannot be sent.
    pub fn preview(&self, deny_data_collection: bool) -> Result<Clean, Clean> {
        let r = match (&self.error, self.routing()) {
            (Some(e), _) => return Err(Clean::line(&format!("✗ {e}"))),
            (None, Err(e)) => return Err(Clean::line(&format!("✗ {e}"))),
            (None, Ok(r)) => r,
        };
        let provider = r
            .provider_object(deny_data_collection)
            .map_or_else(|| "none".to_owned(), |v| v.to_string());
        let models = if r.fallbacks.is_empty() {
            String::new()
        } else {
            format!(" · models: {}", r.fallbacks.join(", "))
        };
        Ok(Clean::line(&format!(
            "sends model: {}{models} · provider: {provider}",
            r.model_id(&self.model)
        )))
    }

    pub fn current(&self) -> Field {
        Field::ALL[self.field.min(Field::ALL.len() - 1)]
    }

    pub fn input(&self, field: Field) -> Option<&Prompt> {
        match field {
            Field::MaxPrice => Some(&self.max_price),
            Field::Fallbacks => Some(&self.fallbacks),
            Field::Order => Some(&self.order),
            Field::Only => Some(&self.only),
            Field::Ignore => Some(&self.ignore),
            Field::Sort | Field::Variant | Field::AllowFallbacks => None,
        }
    }

    fn input_mut(&mut self, field: Field) -> Option<&mut Prompt> {
        match field {
            Field::MaxPrice => Some(&mut self.max_price),
            Field::Fallbacks => Some(&mut self.fallbacks),
            Field::Order => Some(&mut self.order),
            Field::Only => Some(&mut self.only),
            Field::Ignore => Some(&mut self.ignore),
            Field::Sort | Field::Variant | Field::AllowFallbacks => None,
        }
    }

    /// The value a choice field shows.
    pub fn choice_text(&self, field: Field) -> String {
        match field {
            Field::Sort => self
                .sort
                .map_or("default (load balanced)", ProviderSort::as_str)
                .into(),
            Field::Variant => self
                .variant
                .map_or_else(|| "none".to_owned(), |v| format!(":{}", v.as_str())),
            Field::AllowFallbacks => if self.allow_fallbacks {
                "allowed when the first ones fail"
            } else {
                "never (only the first / ordered ones)"
            }
            .into(),
            _ => String::new(),
        }
    }

    fn change(&mut self, forward: bool) {
        match self.current() {
            Field::Sort => self.sort = cycle(self.sort, &ProviderSort::ALL, forward),
            Field::Variant => self.variant = cycle(self.variant, &Variant::ALL, forward),
            Field::AllowFallbacks => self.allow_fallbacks = !self.allow_fallbacks,
            _ => {}
        }
    }

    /// The routing the form describes, or what is wrong with it.
    pub fn routing(&self) -> Result<Routing, String> {
        let price = self.max_price.text();
        let max_price = if price.trim().is_empty() {
            None
        } else {
            Some(price.parse::<MaxPrice>()?)
        };
        let fallbacks = parse_list(&self.fallbacks.text());
        if let Some(bad) = fallbacks
            .iter()
            .find(|m| m.chars().any(char::is_whitespace))
        {
            return Err(format!("`{bad}`: a model id has no spaces"));
        }
        Ok(Routing {
            sort: self.sort,
            variant: self.variant,
            max_price,
            fallbacks,
            order: parse_list(&self.order.text()),
            only: parse_list(&self.only.text()),
            ignore: parse_list(&self.ignore.text()),
            allow_fallbacks: self.allow_fallbacks,
        })
    }

    pub fn on_key(&mut self, key: KeyEvent) -> FormOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let field = self.current();
        let last = Field::ALL.len() - 1;
        match key.code {
            KeyCode::Esc => return FormOutcome::Close,
            KeyCode::Char('c') if ctrl => return FormOutcome::Close,
            KeyCode::Enter => match self.routing() {
                Ok(r) => return FormOutcome::Apply(r),
                Err(e) => self.error = Some(e),
            },
            KeyCode::Char('r') if ctrl => {
                *self = Self::new(self.pane, &self.model.clone(), &Routing::default());
            }
            KeyCode::Up | KeyCode::BackTab => self.field = self.field.saturating_sub(1),
            KeyCode::Down | KeyCode::Tab => self.field = (self.field + 1).min(last),
            KeyCode::Left if field.is_choice() => self.change(false),
            KeyCode::Right | KeyCode::Char(' ') if field.is_choice() => self.change(true),
            _ => {
                if let Some(input) = self.input_mut(field) {
                    input.edit(key);
                    self.error = None;
                }
            }
        }
        FormOutcome::Stay
    }

    pub fn paste(&mut self, text: &str) {
        let field = self.current();
        if let Some(input) = self.input_mut(field) {
            input.paste(text.lines().next().unwrap_or_default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(f: &mut RoutingForm, code: KeyCode) -> FormOutcome {
        f.on_key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn type_in(f: &mut RoutingForm, text: &str) {
        for c in text.chars() {
            press(f, KeyCode::Char(c));
        }
    }

    #[test]
    fn every_field_is_reachable_by_keys() {
        let mut f = RoutingForm::new(PaneId(1), "a/b", &Routing::default());
        press(&mut f, KeyCode::Right); // sort: price
        press(&mut f, KeyCode::Down);
        press(&mut f, KeyCode::Left); // variant: the last one, free
        press(&mut f, KeyCode::Down);
        type_in(&mut f, "1/4");
        press(&mut f, KeyCode::Down);
        type_in(&mut f, "x/y, z/w");
        press(&mut f, KeyCode::Down);
        type_in(&mut f, "aurora,borealis");
        press(&mut f, KeyCode::Down);
        type_in(&mut f, "aurora");
        press(&mut f, KeyCode::Down);
        type_in(&mut f, "cirrus");
        press(&mut f, KeyCode::Down);
        press(&mut f, KeyCode::Char(' '));
        let FormOutcome::Apply(r) = press(&mut f, KeyCode::Enter) else {
            panic!("{:?}", f.error)
        };
        assert_eq!(r.sort, Some(ProviderSort::Price));
        assert_eq!(r.variant, Some(Variant::Free));
        assert_eq!(r.max_price, Some("1/4".parse().unwrap()));
        assert_eq!(r.fallbacks, ["x/y", "z/w"]);
        assert_eq!((r.order.len(), r.only.len(), r.ignore.len()), (2, 1, 1));
        assert!(!r.allow_fallbacks);
    }

    #[test]
    fn a_bad_price_keeps_the_form_open_and_says_why() {
        let mut f = RoutingForm::new(PaneId(1), "a/b", &Routing::default());
        press(&mut f, KeyCode::Down);
        press(&mut f, KeyCode::Down);
        type_in(&mut f, "cheap");
        assert_eq!(press(&mut f, KeyCode::Enter), FormOutcome::Stay);
        assert!(f.error.as_deref().unwrap().contains("per million"));
        assert_eq!(press(&mut f, KeyCode::Esc), FormOutcome::Close);
    }
}
