//! The routing and settings form for one pane: provider sort, model variant, price cap,
//! fallback models, provider order / only / ignore, whether other providers may step in, the
//! provider filters (quantizations, zdr, …) and the pane's own settings (temperature, effort,
//! seed, system prompt, samples…) written as in `MODEL{key=value,...}`. Keys (`[keys.routing]`)
//! pick a field, change a choice and apply; text fields take typing.

use ratatui::crossterm::event::KeyEvent;

use super::{PaneId, Prompt};
use crate::api::{MaxPrice, ProviderSort, Routing, Variant};
use crate::keymap::{FormAction, Keymap};
use crate::pane_settings::PaneSettings;
use crate::pane_settings::spec::{filters_text, parse_body, set_filters};
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
    Filters,
    Web,
    Settings,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Self::Sort,
        Self::Variant,
        Self::MaxPrice,
        Self::Fallbacks,
        Self::Order,
        Self::Only,
        Self::Ignore,
        Self::AllowFallbacks,
        Self::Filters,
        Self::Web,
        Self::Settings,
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
            Self::Filters => "provider filters",
            Self::Web => "web search",
            Self::Settings => "pane settings",
        }
    }

    pub fn is_choice(self) -> bool {
        matches!(
            self,
            Self::Sort | Self::Variant | Self::AllowFallbacks | Self::Web
        )
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
    /// The pane searches the web (its `web_results` and `web_context` are in `settings`).
    pub web: bool,
    pub max_price: Prompt,
    pub fallbacks: Prompt,
    pub order: Prompt,
    pub only: Prompt,
    pub ignore: Prompt,
    /// `quantizations=fp8|bf16, zdr=true, …`
    pub filters: Prompt,
    /// The pane's own settings, `temperature=0.2, effort=high, …`
    pub settings: Prompt,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FormOutcome {
    Stay,
    Close,
    Apply(Box<(Routing, PaneSettings)>),
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
    pub fn new(pane: PaneId, model: &str, r: &Routing, settings: &PaneSettings) -> Self {
        Self {
            pane,
            model: model.to_owned(),
            label: Clean::line(model),
            field: 0,
            sort: r.sort,
            variant: r.variant,
            allow_fallbacks: r.allow_fallbacks,
            web: settings.web,
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
            filters: text(
                &filters_text(r),
                "none; quantizations=fp8|bf16, zdr=true, require_parameters=true, min_throughput=50, max_latency=2",
            ),
            settings: text(
                // Whether it searches is the web field's; how it searches stays here.
                &PaneSettings {
                    web: false,
                    ..settings.clone()
                }
                .to_text(),
                "none; temperature=0.2, top_p, seed=7, max_tokens, effort=high, reasoning_tokens, exclude_reasoning, system=\"…\", samples=3, pdf=native|text|ocr, web_results=5, web_context=high",
            ),
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
        let settings = match self.pane_settings() {
            Ok(s) => s,
            Err(e) => return Err(Clean::line(&format!("✗ {e}"))),
        };
        let label = settings.label();
        let settings = if label.is_empty() {
            String::new()
        } else {
            format!(" · settings: {label}")
        };
        Ok(Clean::line(&format!(
            "sends model: {}{models} · provider: {provider}{settings}",
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
            Field::Filters => Some(&self.filters),
            Field::Settings => Some(&self.settings),
            Field::Sort | Field::Variant | Field::AllowFallbacks | Field::Web => None,
        }
    }

    fn input_mut(&mut self, field: Field) -> Option<&mut Prompt> {
        match field {
            Field::MaxPrice => Some(&mut self.max_price),
            Field::Fallbacks => Some(&mut self.fallbacks),
            Field::Order => Some(&mut self.order),
            Field::Only => Some(&mut self.only),
            Field::Ignore => Some(&mut self.ignore),
            Field::Filters => Some(&mut self.filters),
            Field::Settings => Some(&mut self.settings),
            Field::Sort | Field::Variant | Field::AllowFallbacks | Field::Web => None,
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
            Field::Web => if self.web {
                "on: openrouter:web_search, each search billed apart"
            } else {
                "off"
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
            Field::Web => self.web = !self.web,
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
        let mut r = Routing {
            sort: self.sort,
            variant: self.variant,
            max_price,
            fallbacks,
            order: parse_list(&self.order.text()),
            only: parse_list(&self.only.text()),
            ignore: parse_list(&self.ignore.text()),
            allow_fallbacks: self.allow_fallbacks,
            ..Routing::default()
        };
        set_filters(&mut r, &self.filters.text())?;
        Ok(r)
    }

    /// The pane's settings the form describes, or what is wrong with them. A system prompt
    /// `@FILE` is read relative to the working directory.
    pub fn pane_settings(&self) -> Result<PaneSettings, String> {
        let model = crate::model::ModelRef::parse(&self.model).map_err(|e| e.to_string())?;
        let spec = parse_body(model, &self.settings.text(), std::path::Path::new("."))?;
        if let Some((k, _)) = spec.routing.first() {
            return Err(format!(
                "`{k}` is routing: set it in its own field (or provider filters)"
            ));
        }
        let mut settings = spec.settings;
        let typed_web =
            settings.web || settings.web_results.is_some() || settings.web_context.is_some();
        if typed_web && !self.web {
            return Err(
                "web search is off: turn it on in its field (Space), or drop web_results and \
                 web_context from the settings"
                    .into(),
            );
        }
        settings.web = self.web;
        Ok(settings)
    }

    pub fn on_key(&mut self, key: KeyEvent, keys: &Keymap) -> FormOutcome {
        let field = self.current();
        let last = Field::ALL.len() - 1;
        match keys.routing.resolve(key) {
            Some(FormAction::Close) => return FormOutcome::Close,
            Some(FormAction::Apply) => match (self.routing(), self.pane_settings()) {
                (Ok(r), Ok(s)) => return FormOutcome::Apply(Box::new((r, s))),
                (Err(e), _) | (_, Err(e)) => self.error = Some(e),
            },
            Some(FormAction::Reset) => {
                *self = Self::new(
                    self.pane,
                    &self.model.clone(),
                    &Routing::default(),
                    &PaneSettings::default(),
                );
            }
            Some(FormAction::PrevField) => self.field = self.field.saturating_sub(1),
            Some(FormAction::NextField) => self.field = (self.field + 1).min(last),
            Some(FormAction::ChoicePrev) if field.is_choice() => self.change(false),
            Some(FormAction::ChoiceNext) if field.is_choice() => self.change(true),
            // A text field takes the key (Left moves its cursor, Space types).
            Some(FormAction::ChoicePrev | FormAction::ChoiceNext) | None => {
                if let Some(input) = self.input_mut(field) {
                    input.edit(key, &keys.prompt);
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
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    fn press(f: &mut RoutingForm, code: KeyCode) -> FormOutcome {
        f.on_key(KeyEvent::new(code, KeyModifiers::NONE), &Keymap::default())
    }

    fn type_in(f: &mut RoutingForm, text: &str) {
        for c in text.chars() {
            press(f, KeyCode::Char(c));
        }
    }

    #[test]
    fn every_field_is_reachable_by_keys() {
        let mut f = RoutingForm::new(
            PaneId(1),
            "a/b",
            &Routing::default(),
            &PaneSettings::default(),
        );
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
        press(&mut f, KeyCode::Down);
        type_in(&mut f, "quantizations=fp8|bf16, zdr=true");
        press(&mut f, KeyCode::Down);
        assert_eq!(f.choice_text(Field::Web), "off");
        press(&mut f, KeyCode::Char(' '));
        press(&mut f, KeyCode::Down);
        type_in(
            &mut f,
            "temperature=0.2, effort=high, samples=3, web_results=4",
        );
        let FormOutcome::Apply(applied) = press(&mut f, KeyCode::Enter) else {
            panic!("{:?}", f.error)
        };
        let (r, s) = *applied;
        assert_eq!(s.label(), "T0.2 · effort high · ×3 · web 4");
        assert_eq!(r.quantizations, ["fp8", "bf16"]);
        assert!(r.zdr);
        assert_eq!(r.sort, Some(ProviderSort::Price));
        assert_eq!(r.variant, Some(Variant::Free));
        assert_eq!(r.max_price, Some("1/4".parse().unwrap()));
        assert_eq!(r.fallbacks, ["x/y", "z/w"]);
        assert_eq!((r.order.len(), r.only.len(), r.ignore.len()), (2, 1, 1));
        assert!(!r.allow_fallbacks);
    }

    #[test]
    fn a_bad_price_keeps_the_form_open_and_says_why() {
        let mut f = RoutingForm::new(
            PaneId(1),
            "a/b",
            &Routing::default(),
            &PaneSettings::default(),
        );
        press(&mut f, KeyCode::Down);
        press(&mut f, KeyCode::Down);
        type_in(&mut f, "cheap");
        assert_eq!(press(&mut f, KeyCode::Enter), FormOutcome::Stay);
        assert!(f.error.as_deref().unwrap().contains("per million"));
        assert_eq!(press(&mut f, KeyCode::Esc), FormOutcome::Close);
    }

    #[test]
    fn a_bad_setting_keeps_the_form_open_and_names_it() {
        let mut f = RoutingForm::new(
            PaneId(1),
            "a/b",
            &Routing::default(),
            &PaneSettings::default(),
        );
        for _ in 0..Field::ALL.len() {
            press(&mut f, KeyCode::Down);
        }
        assert_eq!(f.current(), Field::Settings);
        type_in(&mut f, "effort=max");
        assert_eq!(press(&mut f, KeyCode::Enter), FormOutcome::Stay);
        assert!(
            f.error.as_deref().unwrap().contains("effort `max`"),
            "{:?}",
            f.error
        );
        assert!(f.preview(false).is_err());
    }

    #[test]
    fn web_options_with_the_search_off_keep_the_form_open() {
        let spec =
            crate::pane_settings::parse_spec("a/b{web_context=high}", std::path::Path::new("."))
                .unwrap();
        let mut f = RoutingForm::new(PaneId(1), "a/b", &Routing::default(), &spec.settings);
        assert!(f.web);
        assert_eq!(f.settings.text(), "web_context=high");
        f.field = Field::ALL.iter().position(|x| *x == Field::Web).unwrap();
        press(&mut f, KeyCode::Char(' '));
        assert_eq!(press(&mut f, KeyCode::Enter), FormOutcome::Stay);
        assert!(f.error.as_deref().unwrap().contains("web search is off"));
    }

    #[test]
    fn the_form_starts_from_the_panes_settings_and_gives_them_back() {
        let spec = crate::pane_settings::parse_spec(
            "a/b{seed=7,system=\"Be brief, please\",exclude_reasoning=true,quantizations=fp8,zdr=1,web=true,web_results=3}",
            std::path::Path::new("."),
        )
        .unwrap();
        let routing = spec.routing_over(&Routing::default()).unwrap();
        let mut f = RoutingForm::new(PaneId(1), "a/b", &routing, &spec.settings);
        let FormOutcome::Apply(applied) = press(&mut f, KeyCode::Enter) else {
            panic!("{:?}", f.error)
        };
        assert_eq!(*applied, (routing, spec.settings));
    }
}
