//! The loop: terminal input, background results and ticks become `Action`s for `update`; the
//! screen is drawn only when something changed, at most once per frame. Generic over the
//! backend and the input stream so tests run it on a `TestBackend` with scripted keys.

use std::io;
use std::time::Duration;

use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, KeyEventKind};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};

use super::frame_log::FrameLog;
use super::saver::Saver;
use super::tasks::TaskPool;
use crate::app::{self, Action, App, Effect};
use crate::catalog::cache::CatalogCache;
use crate::store::{Ledger, SessionStore};
use crate::ui;

/// ~60 frames per second at most.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// Spinner and countdown speed, only while something animates.
pub const TICK_INTERVAL: Duration = Duration::from_millis(100);
/// Actions (stream events, for a batch of them) handled per wake-up before input and drawing
/// get their turn; as many stream events between two settlings of finished blocks.
pub const MAX_BATCH: usize = 256;

/// What tests and benchmarks can watch: published after every frame, so they wait on what
/// the room is doing instead of sleeping.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoopStatus {
    pub frames: u64,
    pub streaming: usize,
    pub answers: usize,
    /// Bytes of answer text in every pane (grows as tokens arrive).
    pub text_bytes: usize,
    /// Models in the catalog the room has (0 until one arrives).
    pub catalog_models: usize,
    /// A save was asked for and is not yet written.
    pub saving: bool,
    /// The last save failed (the status bar says so).
    pub save_failed: bool,
    /// Answers whose cost waits on the gateway's generation record (reconciliations in flight).
    pub reconciling: usize,
    /// Votes of this session the votes ledger has on disk.
    pub votes_recorded: usize,
    /// Files waiting in the prompt box, and files still being read.
    pub attachments: usize,
    pub attachments_loading: usize,
    /// A question about attachments is open (a pasted file offered, panes that cannot take
    /// them).
    pub asking: bool,
}

pub struct Ctx {
    pub tasks: TaskPool,
    pub actions: mpsc::Receiver<Action>,
    /// Puts text on the clipboard (OSC 52 on a real terminal).
    pub clipboard: Box<dyn FnMut(&str) + Send>,
    pub status: Option<watch::Sender<LoopStatus>>,
    /// When set, the time each frame took to render is appended (benchmarks read it).
    pub frame_log: Option<Vec<Duration>>,
    /// `MODELROOM_FRAME_LOG`: each frame written to a file (`benches/flood.sh` reads it).
    pub frame_file: Option<FrameLog>,
    /// Where sessions are saved; `None` keeps the room in memory only.
    pub saver: Option<Saver>,
    pub store: Option<SessionStore>,
    /// Where the default endpoint's catalog is cached.
    pub catalog_cache: Option<CatalogCache>,
    /// Where billed answers are recorded, for the daily budget.
    pub ledger: Option<Ledger>,
    /// Appends votes to the votes ledger (`None`: votes stay in the session only).
    pub votes: Option<super::votes::VoteWriter>,
}

pub async fn run_loop<B, S>(
    app: &mut App,
    term: &mut Terminal<B>,
    mut input: S,
    ctx: &mut Ctx,
) -> io::Result<()>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
    S: Stream<Item = io::Result<Event>> + Unpin,
{
    let mut ticker = tokio::time::interval(TICK_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut next_frame = Instant::now();
    let mut pending_resize: Option<(u16, u16)> = None;
    let mut frames = 0u64;
    // Stream events taken since blocks were last settled (or a frame rendered them).
    let mut unsettled = 0;
    if ctx.saver.is_some() {
        app.enable_saves();
    }
    if let Ok(size) = term.size() {
        dispatch(
            app,
            ctx,
            Action::Resize {
                width: size.width,
                height: size.height,
            },
        );
    }
    while !app.should_quit() {
        let animating = app.animating();
        let redraw = app.is_dirty() || pending_resize.is_some();
        tokio::select! {
            biased;
            event = input.next() => match event {
                // A storm of resizes is applied once, just before the next frame.
                Some(Ok(Event::Resize(w, h))) => pending_resize = Some((w, h)),
                Some(Ok(event)) => {
                    if let Some(action) = to_action(event) {
                        dispatch(app, ctx, action);
                    }
                }
                Some(Err(e)) => return Err(e),
                None => break,
            },
            () = sleep_until(next_frame), if redraw => {
                next_frame = draw_frame(app, term, ctx, &mut pending_resize, &mut frames)?;
                unsettled = 0;
            }
            Some(action) = ctx.actions.recv() => {
                // Blocks finished since the last frame are rendered between frames, a
                // wake-up's budget of events at a time (not per wake-up: a slow stream's
                // wake-ups bring an event or two, and each settling parses the unfinished
                // block again).
                unsettled += drain(app, ctx, action);
                if unsettled >= MAX_BATCH {
                    app.settle_streams();
                    unsettled = 0;
                }
            }
            _ = ticker.tick(), if animating => dispatch(app, ctx, Action::Tick),
        }
        // While actions keep coming, the timer above may not get its turn: a frame that is due
        // is drawn here, so the screen keeps its pace however fast tokens arrive.
        if (app.is_dirty() || pending_resize.is_some()) && Instant::now() >= next_frame {
            next_frame = draw_frame(app, term, ctx, &mut pending_resize, &mut frames)?;
            unsettled = 0;
        }
    }
    ctx.tasks.cancel_all();
    if let Some(votes) = ctx.votes.take() {
        votes.finish().await;
    }
    if let Some(saver) = ctx.saver.take() {
        let report = saver.finish(Some(app.snapshot())).await;
        app.save_error = report
            .error
            .map(|e| crate::sanitize::Clean::line(&e.to_string()));
        if let Some(f) = report.moved {
            app.moved_to(f.id, f.title, f.why);
        }
    }
    // One last frame so the screen shows the final state if it stays visible.
    let now = Instant::now();
    app.render_visible();
    term.draw(|f| ui::render(f, app, now))
        .map_err(io::Error::other)?;
    publish(app, ctx, frames + 1);
    Ok(())
}

/// One frame: the resize that waited for it, the rows that streams appended text for since
/// the last frame (rendered here, once), then the screen. Returns when the next may be drawn.
fn draw_frame<B>(
    app: &mut App,
    term: &mut Terminal<B>,
    ctx: &mut Ctx,
    pending_resize: &mut Option<(u16, u16)>,
    frames: &mut u64,
) -> io::Result<Instant>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    if let Some((width, height)) = pending_resize.take() {
        dispatch(app, ctx, Action::Resize { width, height });
    }
    let now = Instant::now();
    let cpu = ctx
        .frame_file
        .as_ref()
        .map(|_| super::frame_log::thread_cpu());
    app.render_frame();
    term.draw(|f| ui::render(f, app, now))
        .map_err(io::Error::other)?;
    if let Some(log) = &mut ctx.frame_log {
        log.push(now.elapsed());
    }
    if let Some(log) = &mut ctx.frame_file {
        let cpu = super::frame_log::thread_cpu().saturating_sub(cpu.unwrap_or_default());
        log.frame(now.elapsed(), cpu);
    }
    app.mark_drawn();
    *frames += 1;
    publish(app, ctx, *frames);
    Ok(now + FRAME_INTERVAL)
}

fn publish(app: &App, ctx: &Ctx, frames: u64) {
    if let Some(status) = &ctx.status {
        let answers = app.panes.iter().map(|p| p.answers().count()).sum();
        let text_bytes = app
            .panes
            .iter()
            .flat_map(|p| p.answers())
            .map(|a| a.reply.content.len())
            .sum();
        status.send_replace(LoopStatus {
            frames,
            streaming: app.streaming_count(),
            answers,
            text_bytes,
            catalog_models: app.catalog.index().map_or(0, crate::catalog::Index::len),
            saving: app.saving(),
            save_failed: app.save_error.is_some(),
            reconciling: app.spend().1,
            attachments: app.attached.files.len(),
            attachments_loading: app.attached.loading.len(),
            asking: matches!(
                app.overlay,
                app::Overlay::AttachOffer(_) | app::Overlay::AttachConfirm(_)
            ),
            votes_recorded: app.arena.votes.iter().filter(|v| v.recorded).count(),
        });
    }
}

fn to_action(event: Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Action::Key(key)),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Mouse(mouse) => Some(Action::Mouse(mouse)),
        Event::Resize(width, height) => Some(Action::Resize { width, height }),
        Event::Key(_) | Event::FocusGained | Event::FocusLost => None,
    }
}

/// `update`, then perform what it asked for.
pub fn dispatch(app: &mut App, ctx: &mut Ctx, action: Action) {
    if let Action::Streamed { events, .. } = &action {
        ctx.tasks.taken(events.len());
    }
    if let Some(log) = ctx.frame_file.as_mut() {
        // Counted as they came, before `update` joins a batch's pieces.
        log.chunks(content_chunks(&action));
    }
    let effects = app::update(app, action);
    perform(ctx, effects);
}

/// `first`, and what else waits in the channel up to the wake-up's budget. It is counted in
/// stream events, not actions: a batch of a read's events is as much work as that many single
/// ones, and the frame that may be due must not wait on more. Returns the events taken.
fn drain(app: &mut App, ctx: &mut Ctx, first: Action) -> usize {
    let mut budget = MAX_BATCH.saturating_sub(weight(&first));
    dispatch(app, ctx, first);
    while budget > 0 {
        match ctx.actions.try_recv() {
            Ok(action) => {
                budget = budget.saturating_sub(weight(&action));
                dispatch(app, ctx, action);
            }
            Err(_) => break,
        }
    }
    MAX_BATCH - budget
}

/// How much of a wake-up's budget an action takes: its stream events, or one.
fn weight(action: &Action) -> usize {
    match action {
        Action::Streamed { events, .. } => events.len().max(1),
        _ => 1,
    }
}

/// The content chunks an action brings (the frame log counts them).
fn content_chunks(action: &Action) -> usize {
    let content = |e: &crate::api::StreamEvent| matches!(e, crate::api::StreamEvent::Content(_));
    match action {
        Action::Streamed { events, .. } => events.iter().filter(|e| content(e)).count(),
        _ => 0,
    }
}

/// Carries out what `update` asked for.
pub fn perform(ctx: &mut Ctx, effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::StartStream {
                pane,
                request,
                chat,
            } => ctx.tasks.start_stream(pane, request, *chat),
            Effect::CancelStream { request } => ctx.tasks.cancel(request),
            Effect::RetryAfter {
                pane,
                request,
                after,
            } => ctx.tasks.retry_after(pane, request, after),
            Effect::Reconcile {
                pane,
                request,
                generation_id,
            } => ctx.tasks.reconcile(pane, request, generation_id),
            Effect::RefreshBalance => ctx.tasks.refresh_balance(),
            Effect::FetchProviders { pane, model } => ctx.tasks.fetch_providers(pane, &model),
            Effect::RefreshCatalog { force } => {
                super::catalog::refresh(
                    ctx.tasks.clients(),
                    ctx.catalog_cache.clone(),
                    force,
                    ctx.tasks.sender(),
                );
                if force {
                    super::catalog::fetch_endpoint_models(ctx.tasks.clients(), &ctx.tasks.sender());
                }
            }
            Effect::RecordSpend(record) => super::catalog::record(ctx.ledger.clone(), record),
            Effect::Copy(text) => (ctx.clipboard)(&text),
            Effect::Save { seq, session } => {
                if let Some(saver) = &ctx.saver {
                    saver.save(seq, *session);
                }
            }
            Effect::RecordVote(entry) => match &ctx.votes {
                Some(writer) => writer.record(*entry),
                None => {
                    let (id, undo) = match *entry {
                        crate::arena::Entry::Vote(v) => (v.id, false),
                        crate::arena::Entry::Undo { id, .. } => (id, true),
                    };
                    let result = Err(crate::app::WorkError::no_votes_ledger());
                    let _ = ctx
                        .tasks
                        .sender()
                        .try_send(Action::VoteRecorded { id, undo, result });
                }
            },
            Effect::ComputeBoard { all_votes } => super::votes::compute_board(
                ctx.votes.as_ref().map(|w| w.ledger().clone()),
                all_votes,
                ctx.tasks.sender(),
            ),
            Effect::LoadAttachment { typed, path, cap } => {
                super::tasks::blocking(ctx.tasks.sender(), move || Action::AttachmentLoaded {
                    typed,
                    result: crate::attach::load(&path, cap),
                });
            }
            Effect::CompletePath(input) => {
                super::tasks::blocking(ctx.tasks.sender(), move || Action::PathCompleted {
                    completion: crate::attach::paths::complete(&input),
                    input,
                });
            }
            Effect::CheckPaste { pasted, path } => {
                super::tasks::blocking_maybe(ctx.tasks.sender(), move || {
                    std::fs::metadata(&path)
                        .is_ok_and(|m| m.is_file())
                        .then_some(Action::PastedFile { pasted, path })
                });
            }
            Effect::ListSessions
            | Effect::OpenSession(_)
            | Effect::RenameSession { .. }
            | Effect::DeleteSession(_) => {
                super::sessions::perform(ctx.store.clone(), ctx.tasks.sender(), effect)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Client, Endpoint, StreamEvent};
    use crate::app::{PaneId, RequestId, Settings};
    use crate::keymap::Keymap;

    #[tokio::test]
    async fn a_wake_up_takes_as_many_events_as_before_in_batches() {
        let client = Client::new(Endpoint::new("http://127.0.0.1:9/v1", None)).unwrap();
        let (mut ctx, tx) = super::super::context(client);
        let mut app = App::new(&[], Keymap::default(), Settings::default());
        let batch = |n| Action::Streamed {
            pane: PaneId(7),
            request: RequestId(7),
            events: vec![StreamEvent::Content("x".into()); n],
        };
        for n in [100, 100, MAX_BATCH - 201] {
            tx.send(batch(n)).await.unwrap();
        }
        tx.send(Action::Tick).await.unwrap();
        tx.send(Action::Tick).await.unwrap();
        let first = ctx.actions.recv().await.unwrap();
        drain(&mut app, &mut ctx, first);
        // Three batches are one event short of the budget: the first tick is its last action.
        assert_eq!(ctx.actions.try_recv(), Ok(Action::Tick));
        assert!(ctx.actions.try_recv().is_err());
        for _ in 0..3 {
            tx.send(batch(MAX_BATCH / 2)).await.unwrap();
        }
        let first = ctx.actions.recv().await.unwrap();
        drain(&mut app, &mut ctx, first);
        // Two batches fill it: the third waits for the next wake-up, after a frame if one is due.
        assert!(matches!(
            ctx.actions.try_recv(),
            Ok(Action::Streamed { .. })
        ));
        assert!(ctx.actions.try_recv().is_err());
    }
}
