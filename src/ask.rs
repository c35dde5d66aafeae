//! `modelroom ask`: one prompt to several models at once, headless. Each model streams in its
//! own tokio task; answers print in the order the models were named, each as soon as it and
//! the ones before it are done, as text blocks or as JSON lines. A pane is a model with its
//! own settings; with several samples each pane is asked K times, its samples printed in
//! order and followed by their spread. On a terminal, `live` shows every model's progress
//! and prints the answers fastest first instead.

use std::io::{self, Write};
use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;

use crate::api::{
    ApiError, Catalog, ChatRequest, Client, Clients, Dialect, Limits, Reply, Routing, StreamEvent,
    dropped_routing,
};
use crate::chat::{Cost, CostState, Message};
use crate::model::ModelRef;
use crate::pane_settings::{PaneSettings, PaneSpec};
use crate::sanitize::write_json_line;

mod live;
mod output;
pub use live::run_live;
pub(crate) use output::{json_line, json_summary, text_summary, write_block, write_spread};

/// How long an `ask` run waits for all its answers by default (`ask_deadline_secs`).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);

/// What one `ask` run is: the same messages and limits for every model.
#[derive(Debug, Clone)]
pub struct AskPlan {
    /// The panes: a model each, with its own settings and routing keys.
    pub panes: Vec<PaneSpec>,
    /// How many times each pane is asked (1 or more).
    pub samples: usize,
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    pub json: bool,
    pub show_reasoning: bool,
    /// OpenRouter routing for every model (other servers never see it).
    pub routing: Routing,
    pub deny_data_collection: bool,
    /// Where billed answers are recorded for the daily budget (`None`: nowhere).
    pub ledger: Option<crate::store::Ledger>,
    /// The most a whole answer may take, keep-alives or not; it then fails, keeping its text.
    pub deadline: Duration,
    /// How OpenRouter reads attached PDFs.
    pub pdf_engine: Option<crate::attach::PdfEngine>,
    /// Panes (by index) not sent the request, with why: their model cannot take an
    /// attachment. They are reported failed with that reason.
    pub not_sent: std::collections::BTreeMap<usize, String>,
}

/// One model's result, with the cost resolved (reported, or computed from the catalog).
#[derive(Debug)]
pub struct Answer {
    pub model: ModelRef,
    /// The pane (from 1, in the order given) and the sample of it (from 1).
    pub pane: usize,
    pub sample: usize,
    /// How many samples its pane has.
    pub samples: usize,
    /// The provider its pane is pinned to: routing tag and title.
    pub pinned: Option<(String, String)>,
    pub settings: PaneSettings,
    pub reply: Reply,
    /// Settled when the answer is: reported, or unknown (`ask` has nothing pending).
    pub cost: CostState,
    pub cost_source: Option<&'static str>,
    /// What served it when a fallback did (a fallback model, a provider off the order).
    pub fallback: Option<crate::served::Fallback>,
}

impl Answer {
    pub fn ok(&self) -> bool {
        self.reply.failure().is_none()
    }

    /// A pinned answer served by another provider than its pin: what served, when so.
    pub fn broken_pin(&self) -> Option<&str> {
        let (tag, _) = self.pinned.as_ref()?;
        let served = self.reply.provider.as_deref()?;
        (!crate::api::served_by_tag(served, tag)).then_some(served)
    }
}

impl AskPlan {
    /// The models asked, one per pane.
    pub fn models(&self) -> Vec<ModelRef> {
        self.panes.iter().map(|p| p.model.clone()).collect()
    }

    /// How many times `pane` is asked: its own `samples`, else the run's.
    pub fn samples_of(&self, pane: &PaneSpec) -> usize {
        pane.settings
            .samples
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(self.samples)
            .max(1)
    }

    /// A pane's routing: the run's, with the pane's own keys over it (checked when the pane
    /// was read, so only a key that cannot be read keeps the run's).
    pub fn routing_of(&self, pane: &PaneSpec) -> Routing {
        pane.routing_over(&self.routing)
            .unwrap_or_else(|_| self.routing.clone())
    }
}

/// The request for one pane (`@endpoint/model` goes to that endpoint), its settings over the
/// run's.
pub fn request(pane: &PaneSpec, plan: &AskPlan) -> ChatRequest {
    let limits = Limits {
        max_tokens: plan.max_tokens,
        temperature: plan.temperature,
        deny_data_collection: plan.deny_data_collection,
    };
    let mut req = ChatRequest::for_model(
        &pane.model,
        plan.messages.clone(),
        limits,
        plan.routing_of(pane),
    );
    req.pdf_engine = plan.pdf_engine;
    req.apply_settings(&pane.settings);
    req
}

/// One warning per endpoint whose server will not get the plan's routing (plain OpenAI
/// dialect), naming the flags and the setting that would send them.
pub fn routing_warnings(clients: &Clients, plan: &AskPlan) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    plan.panes
        .iter()
        .map(|p| (p.model.endpoint(), plan.routing_of(p)))
        .zip(&plan.panes)
        .flat_map(|((e, routing), pane)| {
            let dialect = clients.dialect(e)?;
            let web = crate::pane_settings::dropped_web(&pane.settings, dialect, e);
            Some(
                dropped_routing(&routing, plan.deny_data_collection, dialect, e)
                    .into_iter()
                    .chain(web),
            )
        })
        .flatten()
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// Asks every model concurrently and writes the answers to `out`. Returns the answers.
pub async fn run(
    clients: &Clients,
    plan: &AskPlan,
    out: &mut dyn Write,
) -> io::Result<Vec<Answer>> {
    let deadline = Instant::now() + plan.deadline;
    let tasks: Vec<_> =
        plan.panes
            .iter()
            .enumerate()
            .flat_map(|(i, pane)| (0..plan.samples_of(pane)).map(move |k| (i, k, pane)))
            .map(|(i, k, pane)| {
                let req = request(pane, plan);
                let clients = clients.clone();
                let not_sent = plan.not_sent.get(&i).cloned();
                let task = tokio::spawn(async move {
                    ask_one(&clients, &req, not_sent, deadline, &|_| {}).await
                });
                (i, k, pane, task)
            })
            .collect();

    let mut costs = Costs::default();
    let mut answers: Vec<Answer> = Vec::with_capacity(tasks.len());
    for (i, k, pane, task) in tasks {
        let samples = plan.samples_of(pane);
        let answer = settle(&mut costs, clients, plan, (i, k), joined(task.await)).await;
        if plan.json {
            write_json_line(out, &json_line(&answer))?;
        } else {
            write_block(out, &answer, plan.show_reasoning)?;
        }
        answers.push(answer);
        if k + 1 == samples {
            let of_pane: Vec<&Answer> = answers[answers.len() - samples..].iter().collect();
            write_spread(out, plan.json, &of_pane)?;
        }
        out.flush()?;
    }
    if plan.json {
        write_json_line(out, &json_summary(&answers))?;
    } else {
        writeln!(out, "{}", text_summary(&answers))?;
    }
    out.flush()?;
    Ok(answers)
}

/// One request of a run: a model the catalog says cannot take the prompt's inputs is not
/// sent it (its reply says why); the others stream until `deadline`, telling `watch`.
async fn ask_one(
    clients: &Clients,
    req: &ChatRequest,
    not_sent: Option<String>,
    deadline: Instant,
    watch: &(dyn Fn(u64) + Sync),
) -> Reply {
    match not_sent {
        Some(reason) => {
            let mut r = Reply::new(Instant::now());
            r.error = Some(ApiError::NotSent { reason });
            r
        }
        None => stream_watched(clients, req, Some(deadline), watch).await,
    }
}

/// A request task's reply, or a failed one if the task itself died.
fn joined(task: Result<Reply, tokio::task::JoinError>) -> Reply {
    task.unwrap_or_else(|join| {
        let mut r = Reply::new(Instant::now());
        r.error = Some(ApiError::Dropped {
            detail: format!("the request task failed: {join}"),
        });
        r
    })
}

/// Sample `k` of pane `i` as printed: its cost resolved, its place and settings, its spend
/// recorded.
async fn settle(
    costs: &mut Costs,
    clients: &Clients,
    plan: &AskPlan,
    (i, k): (usize, usize),
    reply: Reply,
) -> Answer {
    let pane = &plan.panes[i];
    let routing = plan.routing_of(pane);
    let mut answer = costs.answer(clients, &pane.model, &routing, reply).await;
    (answer.pane, answer.sample, answer.samples) = (i + 1, k + 1, plan.samples_of(pane));
    answer.settings = pane.settings.clone();
    answer.pinned = pane.pinned.clone();
    record_spend(plan.ledger.as_ref(), &answer);
    answer
}

/// Resolves answers' costs, fetching each endpoint's catalog at most once and only when an
/// answer's cost needs it.
#[derive(Default)]
pub(crate) struct Costs {
    catalogs: std::collections::HashMap<Option<String>, Option<Option<Catalog>>>,
}

impl Costs {
    /// `model`'s answer, with its cost resolved by the endpoint that served it, and whether a
    /// fallback of `routing` served it.
    pub(crate) async fn answer(
        &mut self,
        clients: &Clients,
        model: &ModelRef,
        routing: &Routing,
        mut reply: Reply,
    ) -> Answer {
        let endpoint = model.endpoint();
        let (cost, cost_source) = match clients.get(endpoint) {
            Ok(client) => {
                let catalog = self
                    .catalogs
                    .entry(endpoint.map(str::to_owned))
                    .or_default();
                price_searches(client, model, &mut reply, catalog).await;
                resolve_cost(client, &mut reply, catalog).await
            }
            Err(_) => (None, None),
        };
        let fallback = crate::served::fallback(
            model.id(),
            routing,
            reply.served_model.as_deref(),
            reply.provider.as_deref(),
        );
        Answer {
            model: model.clone(),
            pane: 1,
            sample: 1,
            samples: 1,
            pinned: None,
            settings: PaneSettings::default(),
            reply,
            cost: cost.into(),
            cost_source,
            fallback,
        }
    }
}

/// Appends a billed answer to the ledger; a failure only warns (the answer still prints).
pub(crate) fn record_spend(ledger: Option<&crate::store::Ledger>, a: &Answer) {
    let (Some(ledger), Some(cost)) = (ledger, a.cost.known().filter(|c| c.as_usd() > 0.0)) else {
        return;
    };
    let model = a.reply.served_model.as_deref().unwrap_or(a.model.as_str());
    let record =
        crate::store::SpendRecord::now(cost.as_usd(), model, a.reply.provider.as_deref(), None);
    if let Err(e) = ledger.append(&[record]) {
        eprintln!(
            "modelroom: cannot record the spend in {}: {e}",
            ledger.path().display()
        );
    }
}

pub(crate) async fn stream_one(clients: &Clients, req: &ChatRequest) -> Reply {
    stream_until(clients, req, None).await
}

/// One answer, given up at `deadline` (keeping what came): a server that sends only
/// keep-alives never trips the stall timeout, and would keep `ask` running for ever.
pub(crate) async fn stream_until(
    clients: &Clients,
    req: &ChatRequest,
    deadline: Option<Instant>,
) -> Reply {
    stream_watched(clients, req, deadline, &|_| {}).await
}

/// As `stream_until`, telling `watch` how many text chunks (content or reasoning) have come
/// after each one: the live progress of `ask` on a terminal.
pub(crate) async fn stream_watched(
    clients: &Clients,
    req: &ChatRequest,
    deadline: Option<Instant>,
    watch: &(dyn Fn(u64) + Sync),
) -> Reply {
    with_rate_limit_retries(|| stream_once(clients, req, deadline, watch), deadline).await
}

/// Attempts at a rate-limited request, as in the room.
const RATE_LIMIT_ATTEMPTS: u8 = 3;

/// Asks again after a 429, once its `Retry-After` has passed, up to `RATE_LIMIT_ATTEMPTS`
/// times and never past `deadline`; a 429 that outlasts them says so.
pub(crate) async fn with_rate_limit_retries<F, Fut>(mut once: F, deadline: Option<Instant>) -> Reply
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    let mut attempts = 1;
    loop {
        let mut reply = once().await;
        let wait = reply.failure().and_then(ApiError::rate_limit_wait);
        let in_time = |w| deadline.is_none_or(|at| Instant::now() + w < at);
        match wait {
            Some(w) if attempts < RATE_LIMIT_ATTEMPTS && in_time(w) => {
                tokio::time::sleep(w).await;
                attempts += 1;
            }
            _ => {
                reply.error = reply.error.map(|e| e.after_attempts(attempts));
                return reply;
            }
        }
    }
}

async fn stream_once(
    clients: &Clients,
    req: &ChatRequest,
    deadline: Option<Instant>,
    watch: &(dyn Fn(u64) + Sync),
) -> Reply {
    let started = Instant::now();
    let mut chunks = 0u64;
    let mut reply = Reply::new(started);
    let mut events = clients.stream_chat(req);
    // One timer for the whole answer (a timeout per event would set a timer per chunk).
    let expiry = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now));
    tokio::pin!(expiry);
    loop {
        let next = match deadline {
            // The deadline first: a stream that is always ready must not outrun it.
            Some(at) => tokio::select! {
                biased;
                () = &mut expiry => {
                    let after = at.saturating_duration_since(started);
                    let failed = StreamEvent::Failed(ApiError::Deadline { after });
                    reply.apply(failed, Instant::now());
                    break;
                }
                next = events.next() => next,
            },
            None => events.next().await,
        };
        match next {
            Some(event) => {
                if matches!(event, StreamEvent::Content(_) | StreamEvent::Reasoning(_)) {
                    chunks += 1;
                    watch(chunks);
                }
                reply.apply(event, Instant::now());
            }
            None => break,
        }
    }
    reply
}

/// The gateway's cost when it reported one; for an OpenRouter answer that ended without a usage
/// chunk, the generation record; else tokens × catalog prices (fetched once, only when needed);
/// else unknown (never shown as $0).
pub(crate) async fn resolve_cost(
    client: &Client,
    reply: &mut Reply,
    catalog: &mut Option<Option<Catalog>>,
) -> (Option<Cost>, Option<&'static str>) {
    if let Some(cost) = reply.cost() {
        return (Some(cost), Some("gateway"));
    }
    // Refused with an HTTP status (402, 429, 503…) before any token: nothing was billed.
    if matches!(reply.failure(), Some(ApiError::Http { .. })) {
        return (Some(Cost::ZERO), Some("refused"));
    }
    // A cost the gateway reported but that was refused is not replaced by a guess.
    if reply.cost_refused.is_some() {
        return (None, None);
    }
    if let (None, Some(id), Dialect::OpenRouter) = (
        reply.usage,
        reply.generation_id.clone(),
        client.endpoint().dialect,
    ) {
        match generation_cost(client, &id).await {
            Ok(Some(cost)) => return (Some(cost), Some("generation")),
            Ok(None) => {}
            Err(why) => {
                reply.cost_refused = Some(why);
                return (None, None);
            }
        }
    }
    let (Some(usage), Some(model)) = (reply.usage, reply.served_model.as_deref()) else {
        return (None, None);
    };
    if catalog.is_none() {
        *catalog = Some(client.models().await.ok());
    }
    let computed = catalog
        .as_ref()
        .and_then(Option::as_ref)
        .and_then(|c| c.pricing(model))
        .and_then(|p| p.cost_of(&usage))
        .and_then(|c| Cost::of_answer(c.as_usd()).ok());
    (computed, computed.map(|_| "catalog"))
}

/// Prices an answer's web searches at its catalog's `web_search` price (the model that served,
/// else the one asked), fetching the catalog only when the answer searched; without a price
/// the gateway's own split of the bill stays.
async fn price_searches(
    client: &Client,
    model: &ModelRef,
    reply: &mut Reply,
    catalog: &mut Option<Option<Catalog>>,
) {
    if reply.usage.is_none_or(|u| u.web_search_requests == 0) {
        return;
    }
    if catalog.is_none() {
        *catalog = Some(client.models().await.ok());
    }
    let Some(Some(catalog)) = catalog.as_ref() else {
        return;
    };
    let price = reply
        .served_model
        .as_deref()
        .and_then(|m| catalog.pricing(m))
        .or_else(|| catalog.pricing(model.id()))
        .and_then(|p| p.web_search);
    if let Some(usage) = reply.usage.as_mut() {
        usage.price_searches(price);
    }
}

/// The billed cost from `/generation`, which may lag the stream by a moment (404 at first);
/// `Err` with the reason when the record's cost was refused.
async fn generation_cost(client: &Client, id: &str) -> Result<Option<Cost>, String> {
    for delay_ms in [300, 700, 1500] {
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        match client.generation(id).await {
            Ok(g) => {
                return match g.cost_refused {
                    Some(why) => Err(why),
                    None => Ok(g.total_cost.map(Cost::usd)),
                };
            }
            Err(e) if e.status() == Some(404) || e.is_transient() => {}
            Err(_) => return Ok(None),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
