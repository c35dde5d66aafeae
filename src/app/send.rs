//! Sending: which panes a prompt goes to, what can stop it (a pane still answering, a model
//! the catalog does not list, a held key, a budget it could pass), and the request each pane
//! sends: its conversation, its endpoint and its routing.

use super::pane::{Answer, AnswerState, CostState, Entry, prompt_entry_with};
use super::{App, Command, Effect, NoticeLevel, SendMode, catalog, money, stream};
use crate::api::{Dialect, Reply, dropped_routing};
use crate::model::ModelRef;
use crate::sanitize::Clean;

/// The panes a send in `mode` goes to.
/// Why none of `targets` may be asked now, if so: the first problem found, in words.
fn blocked(app: &App, targets: &[usize], text: &str) -> Option<String> {
    if let Some(busy) = targets.iter().find(|&&i| app.panes[i].is_live()) {
        let model = &app.panes[*busy].model;
        let stop = app.keymap.name(Command::Stop);
        return Some(format!(
            "{model} is still answering: stop it ({stop}) or wait"
        ));
    }
    for &i in targets {
        let p = &app.panes[i];
        if let Err(why) = catalog::check_model(app, &p.model, &p.routing) {
            return Some(format!("not sent: {why}"));
        }
    }
    let est = money::estimate(app, targets, text);
    money::refusal(app, est.max)
}

/// Sends the prompt to every pane (or the focused one). Refuses, keeping the text, when
/// `blocked` says so; asks first when some panes cannot take its attachments.
pub(super) fn send(app: &mut App, mode: SendMode, fx: &mut Vec<Effect>) {
    send_checked(app, mode, None, fx);
}

/// `send`, agreed to leave out panes `skip` that cannot take the attachments. Should the
/// panes that cannot have changed meanwhile (a model changed), it asks again.
pub(super) fn send_skipping(app: &mut App, mode: SendMode, skip: &[usize], fx: &mut Vec<Effect>) {
    send_checked(app, mode, Some(skip), fx);
}

fn send_checked(app: &mut App, mode: SendMode, agreed: Option<&[usize]>, fx: &mut Vec<Effect>) {
    let text = app.prompt.text();
    if text.trim().is_empty() {
        if !app.attached.files.is_empty() {
            app.set_notice(
                NoticeLevel::Info,
                "type a prompt to go with the attachments",
            );
        }
        return;
    }
    if let Some(typed) = app.attached.loading.first() {
        app.set_notice(
            NoticeLevel::Error,
            format!("not sent yet: {} is still being read", Clean::line(typed)),
        );
        return;
    }
    let mode = super::arena::before_send(app, mode, fx);
    let mut targets = app.targets(mode);
    if targets.is_empty() {
        let add = app.keymap.name(Command::AddPane);
        app.set_notice(
            NoticeLevel::Error,
            format!("no pane to send to: add one with {add}"),
        );
        return;
    }
    // A pane whose model cannot be sent (misspelt, retired) says so in its own pane and is
    // left out; it does not hold back every other pane.
    let (sendable, skipped): (Vec<usize>, Vec<usize>) = targets.iter().partition(|&&i| {
        let p = &app.panes[i];
        catalog::check_model(app, &p.model, &p.routing).is_ok()
    });
    if !sendable.is_empty() && !skipped.is_empty() {
        targets = sendable;
    }
    let skipped = if targets.len() < app.targets(mode).len() {
        skipped
    } else {
        Vec::new()
    };
    let cannot: Vec<(usize, String)> = super::attach::not_taking(app, &targets);
    let cannot_at: Vec<usize> = cannot.iter().map(|(i, _)| *i).collect();
    if !cannot.is_empty() && agreed != Some(cannot_at.as_slice()) {
        super::attach::ask_to_skip(app, mode, &targets);
        return;
    }
    targets.retain(|i| !cannot_at.contains(i));
    if let Some(why) = blocked(app, &targets, &text) {
        app.set_notice(NoticeLevel::Error, why);
        return;
    }
    for (i, why) in &cannot {
        app.panes[*i].note = Some(Clean::line(&format!("not sent the last prompt: {why}")));
    }
    let files = std::mem::take(&mut app.attached.files);
    let hint = unpinned_twins(app, &targets);
    // One number for every pane this send reaches: exports list prompts in send order.
    let send = next_send(app);
    for &i in &targets {
        let width = app.panes[i].width;
        app.panes[i].entries.push(prompt_entry_with(
            text.clone(),
            files.clone(),
            width,
            Some(send),
        ));
        let samples = app.panes[i].samples();
        for k in 1..=samples {
            start_answer(app, i, fx);
            if samples > 1 {
                if let Some(Entry::Answer(a)) = app.panes[i].entries.last_mut() {
                    a.sample = Some((k, samples));
                }
            }
        }
        app.panes[i].spread = None;
        app.panes[i].scroll_to_bottom();
    }
    super::arena::after_send(app, &targets, &text);
    app.money.last_send = Some(App::now());
    app.history.push(&text);
    app.prompt.clear();
    super::attach::refresh_flags(app);
    app.notice = None;
    if let Some(hint) = hint {
        app.set_notice(NoticeLevel::Info, hint);
    }
    if !skipped.is_empty() {
        let names: Vec<String> = skipped
            .iter()
            .map(|&i| format!("pane {} ({})", i + 1, app.panes[i].model))
            .collect();
        let change = app.keymap.name(Command::ChangeModel);
        app.set_notice(
            NoticeLevel::Error,
            format!(
                "not sent to {}: its model cannot be asked (see the pane); {change} picks another",
                names.join(", ")
            ),
        );
    }
    app.request_save();
    app.relayout();
}

/// One past the highest send number in the room, closed panes included.
fn next_send(app: &App) -> u64 {
    app.panes
        .iter()
        .chain(&app.closed)
        .flat_map(|p| &p.entries)
        .filter_map(|e| match e {
            Entry::Prompt { send, .. } => *send,
            Entry::Answer(_) => None,
        })
        .max()
        .map_or(1, |n| n.saturating_add(1))
}

/// When two of `targets` ask the same model without a pin, the gateway may route them to
/// different providers: a difference between them may be the provider's, not the settings'.
fn unpinned_twins(app: &App, targets: &[usize]) -> Option<String> {
    let unpinned: Vec<&super::Pane> = targets
        .iter()
        .map(|&i| &app.panes[i])
        .filter(|p| super::shootout::pin_of(p).is_none())
        .collect();
    let twin = unpinned.iter().enumerate().find_map(|(k, p)| {
        unpinned[k + 1..]
            .iter()
            .any(|q| q.model == p.model)
            .then_some(&p.model)
    })?;
    (!app.is_blind()).then(|| {
        let shootout = app.keymap.name(Command::ShootOut);
        format!(
            "{twin} runs in several panes unpinned: providers may differ between them \
             (pin one with only=TAG, or {shootout} for one pane per provider)"
        )
    })
}

/// Appends a new answer to pane `i` for its latest prompt and asks the runtime to stream it.
pub(super) fn start_answer(app: &mut App, i: usize, fx: &mut Vec<Effect>) {
    let request = app.fresh_request_id();
    let unsupported = catalog::unsupported_settings(app, &app.panes[i]).map(|w| Clean::line(&w));
    let pane = &mut app.panes[i];
    pane.note = dropped_routing_note(&app.settings, &pane.model, &pane.routing)
        .or_else(|| dropped_web_note(&app.settings, pane))
        .or(unsupported);
    pane.served_instead = None;
    let chat = pane.chat_for(pane.entries.len(), &app.settings);
    pane.entries.push(Entry::Answer(Box::new(Answer::new(
        request,
        Reply::new(App::now()),
        AnswerState::Waiting,
        CostState::Unknown,
    ))));
    fx.push(Effect::StartStream {
        pane: pane.id,
        request,
        chat: Box::new(chat),
    });
}

/// Routing this pane has but its server will not be sent (a plain OpenAI server), in words.
fn dropped_routing_note(
    settings: &super::Settings,
    model: &ModelRef,
    routing: &crate::api::Routing,
) -> Option<Clean> {
    let endpoint = model.endpoint();
    let plain = settings
        .plain_openai
        .iter()
        .any(|e| e.as_deref() == endpoint);
    if !plain {
        return None;
    }
    dropped_routing(
        routing,
        settings.deny_data_collection,
        Dialect::OpenAi,
        endpoint,
    )
    .map(|w| Clean::line(&w))
}

/// A web search this pane asks for but its server will not be sent (a plain OpenAI server).
fn dropped_web_note(settings: &super::Settings, pane: &super::Pane) -> Option<Clean> {
    let endpoint = pane.model.endpoint();
    let plain = settings
        .plain_openai
        .iter()
        .any(|e| e.as_deref() == endpoint);
    let dialect = if plain {
        Dialect::OpenAi
    } else {
        Dialect::OpenRouter
    };
    crate::pane_settings::dropped_web(&pane.settings, dialect, endpoint).map(|w| Clean::line(&w))
}

pub(super) fn regenerate(app: &mut App, fx: &mut Vec<Effect>) {
    if app.arena.blind_mode() {
        // One answer asked again would no longer be the round that is judged.
        app.set_notice(
            NoticeLevel::Info,
            "asking again is off in blind rounds: send the prompt again for a new round",
        );
        return;
    }
    let i = app.focus;
    let Some(pane) = app.panes.get(i) else { return };
    if pane.is_live() {
        // Asking again would stop an answer already being paid for: never silently.
        let stop = app.keymap.label_for(Command::Stop).unwrap_or_default();
        app.set_notice(
            NoticeLevel::Error,
            format!(
                "not sent: pane {} is still answering; {stop} stops it, then ask again",
                i + 1
            ),
        );
        return;
    }
    let Some((last_prompt, lost)) = pane.entries.iter().rev().find_map(|e| match e {
        Entry::Prompt {
            text, attachments, ..
        } => Some((
            text.clone(),
            attachments
                .iter()
                .find(|a| !a.has_data())
                .map(|a| a.name.clone()),
        )),
        Entry::Answer(_) => None,
    }) else {
        app.set_notice(NoticeLevel::Info, "nothing to regenerate yet");
        return;
    };
    if let Some(name) = lost {
        // Asked again without it, the answer would be to another question.
        app.set_notice(
            NoticeLevel::Error,
            format!(
                "not sent: this prompt's attachment {} was not found when the session was reopened",
                Clean::line(&name)
            ),
        );
        return;
    }
    if let Err(why) = catalog::check_model(app, &pane.model, &pane.routing) {
        app.set_notice(NoticeLevel::Error, format!("not sent: {why}"));
        return;
    }
    // The history already holds the prompt; the estimate counts it as the new text.
    let est = money::estimate_with(app, &[i], &last_prompt, &[]);
    if let Some(why) = money::refusal(app, est.max) {
        app.set_notice(NoticeLevel::Error, why);
        return;
    }
    stream::stop(app, i, fx);
    // The earlier answer stays (its cost was spent); the conversation continues from the new one.
    start_answer(app, i, fx);
    app.money.last_send = Some(App::now());
    app.panes[i].scroll_to_bottom();
    app.request_save();
}
