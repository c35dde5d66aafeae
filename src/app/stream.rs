//! How stream events, retries, stops and cost reconciliation change a pane's answer. Events
//! carry `(PaneId, RequestId)`; an event for a request that is no longer live is dropped, so a
//! stopped or regenerated answer can never receive another's tokens.

use std::time::Duration;

use super::pane::{AnswerState, CostState};
use super::send::chat_for;
use super::{App, Effect, NoticeLevel, PaneId, RequestId, catalog, money};
use crate::api::clients::split_endpoint;
use crate::api::{ApiError, Generation, Reply, StreamEvent};
use crate::chat::{Cost, Usage};
use crate::markdown::Ctx;
use crate::sanitize::Clean;

pub(super) fn on_event(
    app: &mut App,
    pane: PaneId,
    request: RequestId,
    event: StreamEvent,
    fx: &mut Vec<Effect>,
) {
    let Some(i) = app.pane_index(pane) else {
        return;
    };
    let max_attempts = app.settings.max_attempts;
    let now = App::now();
    let cx = Ctx {
        theme: app.themes.current(),
        highlighter: app.highlighter.as_deref(),
    };
    let p = &mut app.panes[i];
    let width = p.width;
    // Only OpenRouter keeps generation records; other endpoints' ids lead nowhere.
    let reconcilable = split_endpoint(&p.model).0.is_none();
    let Some(answer) = p.answer_mut(request).filter(|a| a.state.is_live()) else {
        return;
    };
    let cost_before = answer.cost;
    // Untrusted text is made safe as the reply folds it in (`Reply::apply`, per stream, so a
    // sequence cut between deltas goes whole); nothing downstream sees raw escapes.
    let mut rejected = false;
    match &event {
        StreamEvent::Content(_) | StreamEvent::Reasoning(_) => {
            answer.state = AnswerState::Streaming
        }
        StreamEvent::Done => {
            answer.state = AnswerState::Complete;
            answer.cost = settled_cost(
                answer.reply.usage.as_ref(),
                reconcilable && answer.reply.generation_id.is_some(),
            );
        }
        StreamEvent::Failed(err) => {
            if let (Some(after), true) = (rate_limit_wait(err), answer.attempts < max_attempts) {
                answer.state = AnswerState::Retrying { at: now + after };
                answer.cost = CostState::Reported(Cost::ZERO);
                fx.push(Effect::RetryAfter {
                    pane,
                    request,
                    after,
                });
                app.mark_dirty();
                return;
            }
            answer.state = AnswerState::Failed(err.clone());
            answer.cost = match err {
                // Refused before anything was generated: nothing is billed.
                ApiError::Http { .. } => CostState::Reported(Cost::ZERO),
                _ => settled_cost(
                    answer.reply.usage.as_ref(),
                    reconcilable && answer.reply.generation_id.is_some(),
                ),
            };
            rejected = rejected_model(err);
        }
        StreamEvent::Opened { .. }
        | StreamEvent::Served { .. }
        | StreamEvent::ReasoningDetails(_)
        | StreamEvent::Usage(_)
        | StreamEvent::Finished(_)
        | StreamEvent::Damaged(_) => {}
    }
    let served = matches!(event, StreamEvent::Served { .. });
    answer.reply.apply(event, now);
    // A token only appends to the reply: its rows are rendered once per frame, just before it
    // is drawn (`App::render_visible`), however many tokens came in between.
    if !answer.state.is_live() {
        answer.render(width, &cx);
    }
    if answer.cost == CostState::Pending {
        if let Some(id) = answer.reply.generation_id.clone() {
            fx.push(Effect::Reconcile {
                pane,
                request,
                generation_id: id,
            });
        }
    }
    if rejected {
        p.note = Some(Clean::line(&format!(
            "{} was rejected: change this pane's model with Alt+M",
            p.model
        )));
    }
    money::charge(app, i, request, cost_before, fx);
    if served {
        catalog::refresh_served(app);
    }
    if !app.panes[i].is_live() {
        app.request_save();
    }
    round_finished(app, fx);
    app.mark_dirty();
}

/// The cost of an answer that ended: reported with its usage; otherwise pending while the
/// gateway's generation record can still tell it, else unknown (never assumed to be $0).
fn settled_cost(usage: Option<&Usage>, has_generation: bool) -> CostState {
    match usage.and_then(|u| u.cost) {
        Some(c) => CostState::Reported(c),
        None if has_generation => CostState::Pending,
        None => CostState::Unknown,
    }
}

fn rate_limit_wait(err: &ApiError) -> Option<Duration> {
    match err {
        ApiError::Http {
            status: 429,
            retry_after,
            ..
        } => Some(
            retry_after
                .unwrap_or(Duration::from_secs(5))
                .min(Duration::from_secs(60)),
        ),
        _ => None,
    }
}

fn rejected_model(err: &ApiError) -> bool {
    match err {
        ApiError::Http {
            status: 400 | 404,
            message,
            ..
        } => {
            let m = message.to_ascii_lowercase();
            m.contains("model")
                && (m.contains("not a valid")
                    || m.contains("not found")
                    || m.contains("no endpoints"))
        }
        _ => false,
    }
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
    let chat = chat_for(p, at, &settings);
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
    let now = App::now();
    let cx = Ctx {
        theme: app.themes.current(),
        highlighter: app.highlighter.as_deref(),
    };
    let Some(p) = app.panes.get_mut(i) else {
        return;
    };
    let width = p.width;
    let pane = p.id;
    let reconcilable = split_endpoint(&p.model).0.is_none();
    let Some(request) = p.live_request() else {
        return;
    };
    let Some(answer) = p.answer_mut(request) else {
        return;
    };
    let cost_before = answer.cost;
    let was_retrying = matches!(answer.state, AnswerState::Retrying { .. });
    answer.state = AnswerState::Stopped;
    if !answer.reply.done {
        answer.reply.apply(StreamEvent::Done, now);
    }
    answer.render(width, &cx);
    if was_retrying {
        answer.cost = CostState::Reported(Cost::ZERO);
    } else {
        fx.push(Effect::CancelStream { request });
        answer.cost = settled_cost(
            answer.reply.usage.as_ref(),
            reconcilable && answer.reply.generation_id.is_some(),
        );
        if let (CostState::Pending, Some(id)) = (answer.cost, answer.reply.generation_id.clone()) {
            fx.push(Effect::Reconcile {
                pane,
                request,
                generation_id: id,
            });
        }
    }
    money::charge(app, i, request, cost_before, fx);
    app.request_save();
    round_finished(app, fx);
    app.mark_dirty();
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
