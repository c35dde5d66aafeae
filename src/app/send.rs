//! Sending: which panes a prompt goes to, what can stop it (a pane still answering, a model
//! the catalog does not list, a held key, a budget it could pass), and the request each pane
//! sends: its conversation, its endpoint and its routing.

use super::pane::{Answer, AnswerState, CostState, Entry, Pane, prompt_entry};
use super::{App, Effect, NoticeLevel, SendMode, Settings, catalog, money, stream};
use crate::api::{ChatRequest, Limits, Reply};
use crate::chat::Message;

/// The panes a send in `mode` goes to.
pub(super) fn targets(app: &App, mode: SendMode) -> Vec<usize> {
    match mode {
        SendMode::All => (0..app.panes.len()).collect(),
        SendMode::Focused => (app.focus < app.panes.len())
            .then_some(app.focus)
            .into_iter()
            .collect(),
    }
}

/// Why none of `targets` may be asked now, if so: the first problem found, in words.
fn blocked(app: &App, targets: &[usize], text: &str) -> Option<String> {
    if let Some(busy) = targets.iter().find(|&&i| app.panes[i].is_live()) {
        let model = &app.panes[*busy].model;
        return Some(format!("{model} is still answering: stop it (Esc) or wait"));
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
/// `blocked` says so.
pub(super) fn send(app: &mut App, mode: SendMode, fx: &mut Vec<Effect>) {
    let text = app.prompt.text();
    if text.trim().is_empty() {
        return;
    }
    let targets = targets(app, mode);
    if targets.is_empty() {
        app.set_notice(NoticeLevel::Error, "no pane to send to: add one with Alt+N");
        return;
    }
    if let Some(why) = blocked(app, &targets, &text) {
        app.set_notice(NoticeLevel::Error, why);
        return;
    }
    for i in targets {
        let width = app.panes[i].width;
        app.panes[i].entries.push(prompt_entry(text.clone(), width));
        start_answer(app, i, fx);
        app.panes[i].scroll_to_bottom();
    }
    app.money.last_send = Some(App::now());
    app.history.push(&text);
    app.prompt.clear();
    app.notice = None;
    app.request_save();
    app.relayout();
}

/// Appends a new answer to pane `i` for its latest prompt and asks the runtime to stream it.
pub(super) fn start_answer(app: &mut App, i: usize, fx: &mut Vec<Effect>) {
    let request = app.fresh_request_id();
    let pane = &mut app.panes[i];
    pane.note = None;
    pane.served_instead = None;
    let chat = chat_for(pane, pane.entries.len(), &app.settings);
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

/// The request for an answer at entry index `at`: the conversation before its prompt, then
/// the prompt, to the pane's endpoint with its routing.
pub(super) fn chat_for(pane: &Pane, at: usize, settings: &Settings) -> ChatRequest {
    let prompt_at = pane.entries[..at.min(pane.entries.len())]
        .iter()
        .rposition(|e| matches!(e, Entry::Prompt { .. }))
        .unwrap_or(0);
    let mut messages = Vec::new();
    if let Some(system) = settings.system.as_ref().filter(|s| !s.trim().is_empty()) {
        messages.push(Message::system(system.clone()));
    }
    messages.extend(pane.history(prompt_at));
    if let Some(Entry::Prompt { text, .. }) = pane.entries.get(prompt_at) {
        messages.push(Message::user(text.clone()));
    }
    let limits = Limits {
        max_tokens: settings.max_tokens,
        temperature: settings.temperature,
        deny_data_collection: settings.deny_data_collection,
    };
    ChatRequest::for_model(&pane.model, messages, limits, pane.routing.clone())
}

pub(super) fn regenerate(app: &mut App, fx: &mut Vec<Effect>) {
    let i = app.focus;
    let Some(pane) = app.panes.get(i) else { return };
    let Some(last_prompt) = pane.entries.iter().rev().find_map(|e| match e {
        Entry::Prompt { text, .. } => Some(text.clone()),
        Entry::Answer(_) => None,
    }) else {
        app.set_notice(NoticeLevel::Info, "nothing to regenerate yet");
        return;
    };
    if let Err(why) = catalog::check_model(app, &pane.model, &pane.routing) {
        app.set_notice(NoticeLevel::Error, format!("not sent: {why}"));
        return;
    }
    // The history already holds the prompt; the estimate counts it as the new text.
    let est = money::estimate(app, &[i], &last_prompt);
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
