//! `sessions rerun`: a saved session's prompts asked again, in order, of other models, so a
//! comparison can be repeated when a new model comes out. Each model runs its whole
//! conversation in its own task (its own earlier answers are its history, as in the room);
//! rounds print as soon as every model has answered them, and the rerun is saved as a new
//! session that `show` and `export` can read.

use std::io::{self, Write};

use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::api::{ApiError, ChatRequest, Clients, Limits, Reply, Routing};
use crate::ask::{self, Answer};
use crate::chat::{Cost, Message, push_turn};
use crate::clock;
use crate::model::ModelRef;
use crate::pane_settings::PaneSettings;
use crate::sanitize::sanitize;
use crate::store::{
    AnswerRecord, FORMAT_VERSION, Finish, PaneRecord, Params, Session, Totals, Turn,
};

#[derive(Debug, Clone)]
pub struct RerunPlan {
    pub models: Vec<ModelRef>,
    /// Each model's own settings and routing, in the order of `models` (a model without an
    /// entry has none).
    pub settings: Vec<PaneSettings>,
    pub routings: Vec<Routing>,
    pub prompts: Vec<String>,
    /// The files each prompt was sent with (by the index of `prompts`; none when missing).
    pub attachments: Vec<Vec<crate::attach::Attachment>>,
    pub system: Option<String>,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    pub json: bool,
    pub show_reasoning: bool,
    /// Title of the new session.
    pub title: String,
    /// The account-wide data policy (`data_collection: "deny"`).
    pub deny_data_collection: bool,
    /// Where spend is recorded for the daily budget.
    pub ledger: Option<crate::store::Ledger>,
}

/// What came of a rerun: every answer, by prompt then model, and the session made of them.
#[derive(Debug)]
pub struct Rerun {
    pub rounds: Vec<Vec<Answer>>,
    pub session: Session,
}

impl Rerun {
    pub fn all_ok(&self) -> bool {
        self.rounds.iter().flatten().all(Answer::ok)
    }
}

/// Runs the plan against `client`, printing to `out` as rounds complete.
pub async fn run(clients: &Clients, plan: &RerunPlan, out: &mut dyn Write) -> io::Result<Rerun> {
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, usize, Reply)>();
    for (m, model) in plan.models.iter().enumerate() {
        let (clients, tx, plan) = (clients.clone(), tx.clone(), plan.clone());
        let model = model.clone();
        tokio::spawn(async move { converse(&clients, &plan, m, model, tx).await });
    }
    drop(tx);

    let n_models = plan.models.len();
    let mut grid: Vec<Vec<Option<Reply>>> = (0..plan.prompts.len())
        .map(|_| (0..n_models).map(|_| None).collect())
        .collect();
    let mut costs = ask::Costs::default();
    let mut rounds: Vec<Vec<Answer>> = Vec::new();
    loop {
        // Print every round that is complete, in order.
        while rounds.len() < grid.len() && grid[rounds.len()].iter().all(Option::is_some) {
            let k = rounds.len();
            let mut answers = Vec::with_capacity(n_models);
            for (m, slot) in grid[k].iter_mut().enumerate() {
                let reply = slot.take().unwrap_or_else(|| Reply::new(Instant::now()));
                let routing = plan.routings.get(m).cloned().unwrap_or_default();
                let answer = costs
                    .answer(clients, &plan.models[m], &routing, reply)
                    .await;
                ask::record_spend(plan.ledger.as_ref(), &answer);
                answers.push(answer);
            }
            print_round(out, plan, k, &answers)?;
            rounds.push(answers);
        }
        if rounds.len() == grid.len() {
            break;
        }
        match rx.recv().await {
            Some((k, m, reply)) => grid[k][m] = Some(reply),
            None => {
                // A task died without answering (it panicked): its slots fail, nothing hangs.
                for row in grid.iter_mut().skip(rounds.len()) {
                    for slot in row.iter_mut().filter(|s| s.is_none()) {
                        let mut r = Reply::new(Instant::now());
                        r.error = Some(ApiError::Dropped {
                            detail: "the request task ended without an answer".into(),
                        });
                        *slot = Some(r);
                    }
                }
            }
        }
    }
    let session = to_session(plan, &rounds);
    Ok(Rerun { rounds, session })
}

/// One model's conversation: the prompts in order, each with the answers so far as history.
async fn converse(
    clients: &Clients,
    plan: &RerunPlan,
    m: usize,
    model: ModelRef,
    tx: mpsc::UnboundedSender<(usize, usize, Reply)>,
) {
    let mut history: Vec<Message> = Vec::new();
    if let Some(system) = plan.system.as_ref().filter(|s| !s.trim().is_empty()) {
        history.push(Message::system(system.clone()));
    }
    for (k, prompt) in plan.prompts.iter().enumerate() {
        let mut user = Message::user(prompt.clone());
        user.attachments = plan.attachments.get(k).cloned().unwrap_or_default();
        let mut messages = history.clone();
        messages.push(user.clone());
        let limits = Limits {
            max_tokens: plan.max_tokens,
            temperature: plan.temperature,
            deny_data_collection: plan.deny_data_collection,
        };
        let routing = plan.routings.get(m).cloned().unwrap_or_default();
        let mut req = ChatRequest::for_model(&model, messages, limits, routing);
        if let Some(settings) = plan.settings.get(m) {
            req.apply_settings(settings);
        }
        let reply = ask::stream_one(clients, &req).await;
        push_turn(&mut history, user, reply.to_message());
        if tx.send((k, m, reply)).is_err() {
            return;
        }
    }
}

fn print_round(
    out: &mut dyn Write,
    plan: &RerunPlan,
    k: usize,
    answers: &[Answer],
) -> io::Result<()> {
    if plan.json {
        for a in answers {
            let mut line = ask::json_line(a);
            line["prompt"] = json!(k + 1);
            crate::sanitize::write_json_line(out, &line)?;
        }
    } else {
        writeln!(out, "══ prompt {} of {} ══", k + 1, plan.prompts.len())?;
        writeln!(out, "{}\n", sanitize(&plan.prompts[k], "\t").trim_end())?;
        for a in answers {
            ask::write_block(out, a, plan.show_reasoning)?;
        }
    }
    out.flush()
}

/// The closing line (text) or object (JSON): totals, and where the rerun was saved.
pub fn write_summary(
    out: &mut dyn Write,
    plan: &RerunPlan,
    rerun: &Rerun,
    saved: Option<&str>,
) -> io::Result<()> {
    let answers: Vec<&Answer> = rerun.rounds.iter().flatten().collect();
    let total: Cost = answers.iter().filter_map(|a| a.cost.known()).sum();
    let unknown = answers.iter().filter(|a| a.cost.known().is_none()).count();
    let failed = answers.iter().filter(|a| !a.ok()).count();
    if plan.json {
        let summary = json!({
            "summary": true,
            "prompts": plan.prompts.len(),
            "models": plan.models.len(),
            "answers": answers.len(),
            "failed": failed,
            "total_cost": total.as_usd(),
            "unknown_cost": unknown,
            "session": saved,
        });
        writeln!(out, "{summary}")?;
    } else {
        let mut s = format!(
            "total: {total} for {} answer(s) from {} model(s)",
            answers.len(),
            plan.models.len()
        );
        if unknown > 0 {
            s.push_str(&format!(", {unknown} of unknown cost"));
        }
        if failed > 0 {
            s.push_str(&format!(", {failed} failed"));
        }
        writeln!(out, "{s}")?;
        if let Some(id) = saved {
            writeln!(out, "saved as session {id} (modelroom sessions show {id})")?;
        }
    }
    out.flush()
}

fn to_session(plan: &RerunPlan, rounds: &[Vec<Answer>]) -> Session {
    let now = clock::unix_now();
    let params = Params {
        max_tokens: plan.max_tokens,
        temperature: plan.temperature,
        system: plan.system.clone(),
    };
    let panes = plan
        .models
        .iter()
        .enumerate()
        .map(|(m, model)| PaneRecord {
            model: model.to_string(),
            closed: false,
            routing: plan.routings.get(m).cloned().unwrap_or_default(),
            settings: plan.settings.get(m).cloned().unwrap_or_default(),
            params: params.clone(),
            turns: rounds
                .iter()
                .zip(&plan.prompts)
                .enumerate()
                .flat_map(|(k, (answers, prompt))| {
                    [
                        Turn::User {
                            content: prompt.clone(),
                            send: u64::try_from(k + 1).ok(),
                            attachments: plan.attachments.get(k).cloned().unwrap_or_default(),
                        },
                        Turn::Assistant(std::sync::Arc::new(record(&answers[m]))),
                    ]
                })
                .collect(),
        })
        .collect();
    let mut session = Session {
        version: FORMAT_VERSION,
        id: crate::store::new_id(now),
        title: plan.title.clone(),
        created_at: clock::rfc3339(now),
        updated_at: clock::rfc3339(now),
        panes,
        totals: Totals::default(),
        arena: Default::default(),
    };
    session.retotal();
    session
}

/// A rerun's answer ended complete or failed (nothing stops it), its cost settled.
fn record(a: &Answer) -> AnswerRecord {
    let finish = if a.ok() {
        Finish::Complete
    } else {
        Finish::Failed
    };
    crate::record::answer_record(&a.reply, finish, a.cost)
}
