//! The session browser's disk work, off the UI thread: list, open, rename, delete. Each result
//! comes back as an `Action`. Opening claims the session for this room (a session open in
//! another room opens as a copy, with a note saying so); renaming or deleting one that another
//! room has open is refused with the reason.

use tokio::sync::mpsc;

use crate::app::{Action, Effect, SessionRow};
use crate::store::SessionStore;

pub fn perform(store: Option<SessionStore>, actions: mpsc::Sender<Action>, effect: Effect) {
    let Some(store) = store else {
        let none = Err("sessions are not being saved (no data directory)".to_owned());
        tokio::spawn(async move {
            let _ = actions.send(Action::SessionsListed(none)).await;
        });
        return;
    };
    tokio::spawn(async move {
        let results = tokio::task::spawn_blocking(move || run(&store, effect)).await;
        for action in results.unwrap_or_default() {
            let _ = actions.send(action).await;
        }
    });
}

fn run(store: &SessionStore, effect: Effect) -> Vec<Action> {
    let listed = |store: &SessionStore| {
        Action::SessionsListed(
            store
                .list()
                .map(|l| l.iter().map(SessionRow::from_listing).collect())
                .map_err(|e| e.to_string()),
        )
    };
    let refused = |what: &str, e: &crate::store::StoreError| {
        tracing::warn!("{what} failed: {e}");
        vec![Action::StoreNotice {
            error: true,
            text: format!("not {what}d: {e}"),
        }]
    };
    match effect {
        Effect::ListSessions => vec![listed(store)],
        Effect::OpenSession(id) => match store.open_for_room(&id) {
            Ok(opened) => {
                let mut out = vec![Action::SessionOpened(Ok(Box::new(opened.session)))];
                out.extend(opened.note.map(|text| Action::StoreNotice { error: true, text }));
                out
            }
            Err(e) => vec![Action::SessionOpened(Err(e.to_string()))],
        },
        Effect::RenameSession { id, title } => match store.rename(&id, &title) {
            Ok(_) => Vec::new(),
            Err(e) => refused("rename", &e),
        },
        Effect::DeleteSession(id) => match store.remove(&id) {
            Ok(()) => Vec::new(),
            Err(e) => refused("delete", &e),
        },
        _ => Vec::new(),
    }
}
