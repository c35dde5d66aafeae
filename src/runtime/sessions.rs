//! The session browser's disk work, off the UI thread: list, open, rename, delete. Each result
//! comes back as an `Action`.

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
        let action = tokio::task::spawn_blocking(move || run(&store, effect)).await;
        if let Ok(Some(action)) = action {
            let _ = actions.send(action).await;
        }
    });
}

fn run(store: &SessionStore, effect: Effect) -> Option<Action> {
    let listed = |store: &SessionStore| {
        Action::SessionsListed(
            store
                .list()
                .map(|l| l.iter().map(SessionRow::from_listing).collect())
                .map_err(|e| e.to_string()),
        )
    };
    match effect {
        Effect::ListSessions => Some(listed(store)),
        Effect::OpenSession(id) => Some(Action::SessionOpened(
            store.load(&id).map(Box::new).map_err(|e| e.to_string()),
        )),
        Effect::RenameSession { id, title } => {
            if let Err(e) = store.rename(&id, &title) {
                tracing::warn!("rename failed: {e}");
            }
            None
        }
        Effect::DeleteSession(id) => {
            if let Err(e) = store.remove(&id) {
                tracing::warn!("delete failed: {e}");
            }
            None
        }
        _ => None,
    }
}
