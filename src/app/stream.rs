//! How stream events, retries, stops and cost reconciliation change a pane's answer. Events
//! carry `(PaneId, RequestId)`; an event for a request that is no longer live is dropped, so a
//! stopped or regenerated answer can never receive another's tokens.

use super::answer::Policy;
use super::pane::{AnswerState, CostState, Pane};
use super::{App, Command, Effect, NoticeLevel, PaneId, RequestId, catalog, money};
use crate::api::{ApiError, Generation, Reply, StreamEvent};
use crate::chat::{Cost, Usage};
use crate::markdown::Ctx;
use crate::sanitize::Clean;

/// Applies one stream's events, in order.
pub(super) fn on_events(
    app: &mut App,
    pane: PaneId,
    request: RequestId,
    events: impl IntoIterator<Item = StreamEvent>,
    fx: &mut Vec<Effect>,
) {
    let mut events = events.into_iter();
    while apply_run(app, pane, request, &mut events, fx) {}
}

/// Joins adjacent `Content` pieces into one, and adjacent `Reasoning` pieces, in place: one
/// sanitiser pass and one append for a batch's tokens. The sanitiser keeps its state across
/// pieces, so where they were cut changes nothing.
pub(super) fn join_text(mut events: Vec<StreamEvent>) -> Vec<StreamEvent> {
    events.dedup_by(|later, earlier| match (later, earlier) {
        (StreamEvent::Content(more), StreamEvent::Content(text))
        | (StreamEvent::Reasoning(more), StreamEvent::Reasoning(text)) => {
            text.push_str(more);
            true
        }
        _ => false,
    });
    events
}

/// Applies events to the answer until one asks for more than a change of the answer itself (an
/// end, a retry, who served, a rejected model), then does what that one asks. Returns whether
/// events may remain for the next run.
fn apply_run(
    app: &mut App,
    pane: PaneId,
    request: RequestId,
    events: &mut impl Iterator<Item = StreamEvent>,
    fx: &mut Vec<Effect>,
) -> bool {
    let Some(i) = app.pane_index(pane) else {
        return false;
    };
    let now = App::now();
    let Some((p, cx, policy)) = pane_parts(app, i) else {
        return false;
    };
    let width = p.width;
    // A request that is no longer live (stopped, regenerated) gets nothing more.
    let Some(answer) = p.answer_mut(request).filter(|a| a.state.is_live()) else {
        return false;
    };
    let cost_before = answer.cost;
    let mut applied = None;
    for event in events.by_ref() {
        let a = answer.apply(event, now, policy);
        applied = Some(a);
        if a.ended || a.served || a.rejected || a.retry_after.is_some() {
            break;
        }
    }
    let Some(applied) = applied else {
        return false;
    };
    if let Some(after) = applied.retry_after {
        fx.push(Effect::RetryAfter {
            pane,
            request,
            after,
        });
        app.mark_dirty();
        return true;
    }
    // A token only appends to the reply: its rows are rendered once per frame, just before it
    // is drawn (`App::render_visible`), however many tokens came in between.
    if applied.ended {
        answer.render(width, &cx);
    }
    let ended = applied.ended;
    if let Some(id) = answer.to_reconcile().filter(|_| applied.ended) {
        fx.push(Effect::Reconcile {
            pane,
            request,
            generation_id: id.to_owned(),
        });
    }
    let rejected = applied.rejected;
    if ended {
        super::sources::price_searches(app, i, request);
        app.panes[i].refresh_spread();
        super::diff::refresh(app, Some(i));
    }
    if rejected {
        let change = app.keymap.name(Command::ChangeModel);
        let p = &mut app.panes[i];
        p.note = Some(Clean::line(&format!(
            "{} was rejected: change this pane's model with {change}",
            p.model
        )));
    }
    money::charge(app, i, request, cost_before, fx);
    if applied.served {
        catalog::refresh_served(app);
    }
    if applied.ended {
        app.request_save();
    }
    round_finished(app, fx);
    app.mark_dirty();
    true
}

/// Pane `i`, with what its answers need to apply an event: the context rows are rendered in,
/// and how they settle (their retries, and whether the gateway keeps generation records: only
/// OpenRouter does; other endpoints' ids lead nowhere).
fn pane_parts(app: &mut App, i: usize) -> Option<(&mut Pane, Ctx<'_>, Policy)> {
    let App {
        panes,
        themes,
        highlighter,
        settings,
        ..
    } = app;
    let pane = panes.get_mut(i)?;
    let policy = Policy {
        max_attempts: settings.max_attempts,
        reconcilable: pane.model.on_default(),
    };
    let cx = Ctx {
        theme: themes.current(),
        highlighter: highlighter.as_deref(),
    };
    Some((pane, cx, policy))
}

/// When the last live answer ends, the balance is refreshed once for the round.
fn round_finished(app: &App, fx: &mut Vec<Effect>) {
    let ended = fx.iter().all(|e| !matches!(e, Effect::RetryAfter { .. }));
    if ended && app.streaming_count() == 0 && !fx.contains(&Effect::RefreshBalance) {
        fx.push(Effect::RefreshBalance);
    }
}

pub(super) fn on_retry(app: &mut App, pane: PaneId, request: RequestId, fx: &mut Vec<Effect>) {
    let Some(i) = app.pane_index(pane) else {
        return;
    };
    let settings = app.settings.clone();
    let cx = Ctx {
        theme: app.themes.current(),
        highlighter: app.highlighter.as_deref(),
    };
    let p = &mut app.panes[i];
    let width = p.width;
    let Some(at) = p
        .entries
        .iter()
        .rposition(|e| matches!(e, super::Entry::Answer(a) if a.request == request))
    else {
        return;
    };
    let chat = p.chat_for(at, &settings);
    let Some(answer) = p.answer_mut(request) else {
        return;
    };
    if !matches!(answer.state, AnswerState::Retrying { .. }) {
        return;
    }
    answer.attempts += 1;
    answer.state = AnswerState::Waiting;
    answer.reply = Reply::new(App::now());
    answer.render(width, &cx);
    fx.push(Effect::StartStream {
        pane,
        request,
        chat: Box::new(chat),
    });
    app.mark_dirty();
}

/// Stops pane `i`'s live answer, keeping its text. Its cost becomes pending when the gateway
/// can be asked for it later.
pub(super) fn stop(app: &mut App, i: usize, fx: &mut Vec<Effect>) {
    let live = app
        .panes
        .get(i)
        .map(Pane::live_requests)
        .unwrap_or_default();
    for request in live {
        stop_one(app, i, request, fx);
    }
    if let Some(p) = app.panes.get_mut(i) {
        p.refresh_spread();
    }
}

/// Stops one live answer (a sample) of pane `i`.
fn stop_one(app: &mut App, i: usize, request: RequestId, fx: &mut Vec<Effect>) {
    let now = App::now();
    let Some((p, cx, policy)) = pane_parts(app, i) else {
        return;
    };
    let width = p.width;
    let pane = p.id;
    let Some(answer) = p.answer_mut(request) else {
        return;
    };
    let cost_before = answer.cost;
    if answer.stop(now, policy) {
        fx.push(Effect::CancelStream { request });
    }
    answer.render(width, &cx);
    if let Some(id) = answer.to_reconcile() {
        fx.push(Effect::Reconcile {
            pane,
            request,
            generation_id: id.to_owned(),
        });
    }
    money::charge(app, i, request, cost_before, fx);
    app.request_save();
    round_finished(app, fx);
    app.mark_dirty();
}

/// Stops every pane's live answer.
pub(super) fn stop_all(app: &mut App, fx: &mut Vec<Effect>) {
    for i in 0..app.panes.len() {
        stop(app, i, fx);
    }
}

/// The gateway's record arrived: the true cost (and provider, if the stream never said).
pub(super) fn on_reconciled(
    app: &mut App,
    pane: PaneId,
    request: RequestId,
    result: Result<Generation, ApiError>,
    fx: &mut Vec<Effect>,
) {
    let Some(i) = app.pane_index(pane) else {
        return;
    };
    let Some(answer) = app.panes[i].answer_mut(request) else {
        return;
    };
    let cost_before = answer.cost;
    match result {
        Ok(record) => {
            // A refused billed cost stays unknown, with its reason in the footer.
            answer.reply.cost_refused = record
                .cost_refused
                .clone()
                .or(answer.reply.cost_refused.take());
            answer.cost = record
                .total_cost
                .map_or(CostState::Unknown, |c| CostState::Reported(Cost::usd(c)));
            // The gateway's record is server text like any other: it enters state clean.
            if answer.reply.provider.is_none() {
                answer.reply.provider = record.provider_name.as_deref().map(Clean::line);
            }
            if answer.reply.usage.is_none() {
                answer.reply.usage = Some(Usage {
                    prompt_tokens: record
                        .native_tokens_prompt
                        .or(record.tokens_prompt)
                        .unwrap_or(0),
                    completion_tokens: record
                        .native_tokens_completion
                        .or(record.tokens_completion)
                        .unwrap_or(0),
                    reasoning_tokens: record.native_tokens_reasoning.unwrap_or(0),
                    cached_tokens: 0,
                    cost: record.total_cost.map(Cost::usd),
                    completion_cost: None,
                    ..Usage::default()
                });
            }
        }
        Err(e) => {
            answer.cost = CostState::Unknown;
            let msg = format!("could not reconcile the cost of a stopped answer: {e}");
            app.set_notice(NoticeLevel::Error, msg);
            app.request_save();
            app.mark_dirty();
            return;
        }
    }
    money::charge(app, i, request, cost_before, fx);
    // The balance fetched when the round ended did not yet include what was billed late.
    if app.spend().1 == 0 && app.streaming_count() == 0 {
        fx.push(Effect::RefreshBalance);
    }
    app.request_save();
    app.mark_dirty();
}
