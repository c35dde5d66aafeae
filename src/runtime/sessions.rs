//! The session browser's disk work, off the UI thread: list, open, rename, delete. Each result
//! comes back as an `Action`. Opening claims the session for this room (a session open in
//! another room opens as a copy, with a note saying so); renaming or deleting one that another
//! room has open is refused with the reason.

use tokio::sync::mpsc;

use crate::app::{Action, Effect, SessionRow, WorkError};
use crate::store::SessionStore;

pub fn perform(store: Option<SessionStore>, actions: mpsc::Sender<Action>, effect: Effect) {
    let Some(store) = store else {
        let none = Err(WorkError::NoStore);
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
                .map_err(WorkError::from),
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
                out.extend(
                    opened
                        .note
                        .map(|text| Action::StoreNotice { error: true, text }),
                );
                out
            }
            Err(e) => vec![Action::SessionOpened(Err(e.into()))],
        },
        Effect::RenameSession { id, title } => match store.rename(&id, &title) {
            Ok(_) => Vec::new(),
            Err(e) => refused("rename", &e),
        },
        Effect::DeleteSession(id) => {
            let gone = store.load(&id).ok();
            match store.remove(&id) {
                // The files only it named go too; one that cannot is said, the delete stands.
                Ok(()) => gone
                    .map(|s| store.blobs().release(&s, store))
                    .unwrap_or_default()
                    .problems
                    .into_iter()
                    .map(|text| Action::StoreNotice { error: true, text })
                    .collect(),
                Err(e) => refused("delete", &e),
            }
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FORMAT_VERSION, Session, Totals};

    #[test]
    fn alt_s_on_a_session_open_in_another_room_opens_a_copy_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let mine = SessionStore::open(dir.path()).unwrap();
        let theirs = SessionStore::open(dir.path()).unwrap();
        let session = Session {
            version: FORMAT_VERSION,
            id: "s1".into(),
            title: "their chat".into(),
            created_at: String::new(),
            updated_at: String::new(),
            panes: Vec::new(),
            totals: Totals::default(),
            arena: Default::default(),
        };
        theirs.save(&session).unwrap();
        theirs.claim("s1").unwrap();
        let actions = run(&mine, Effect::OpenSession("s1".into()));
        let [
            Action::SessionOpened(Ok(copy)),
            Action::StoreNotice { error: true, text },
        ] = actions.as_slice()
        else {
            panic!("{actions:?}")
        };
        assert_ne!(copy.id, "s1");
        assert_eq!(copy.title, "their chat (copy)");
        assert!(text.contains("is open in another room"), "{text}");
        // Deleting it from here is refused, with the reason.
        let refused = run(&mine, Effect::DeleteSession("s1".into()));
        assert!(
            matches!(&refused[..], [Action::StoreNotice { text, .. }] if text.starts_with("not deleted: session `s1` is open in another room")),
            "{refused:?}"
        );
        assert!(mine.path("s1").exists());
        // Once the other room lets go, it opens as itself.
        theirs.release("s1");
        let actions = run(&mine, Effect::OpenSession("s1".into()));
        assert!(
            matches!(&actions[..], [Action::SessionOpened(Ok(s))] if s.id == "s1"),
            "{actions:?}"
        );
    }

    #[test]
    fn a_session_that_cannot_be_opened_comes_back_as_the_store_error_itself() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::open(dir.path()).unwrap();
        let actions = run(&store, Effect::OpenSession("nope".into()));
        let [Action::SessionOpened(Err(WorkError::Store(e)))] = actions.as_slice() else {
            panic!("{actions:?}")
        };
        assert!(
            matches!(**e, crate::store::StoreError::NotFound(_)),
            "{e:?}"
        );
    }

    fn with_files(id: &str, files: &[&[u8]]) -> Session {
        use sha2::Digest as _;
        let attachments = files
            .iter()
            .map(|b| crate::attach::Attachment {
                name: "chart.png".into(),
                kind: crate::attach::Kind::Image,
                mime: "image/png".into(),
                size: b.len() as u64,
                sha256: crate::attach::hex(&sha2::Sha256::digest(b)),
                pages: None,
                data: std::sync::Arc::new(b.to_vec()),
            })
            .collect();
        Session {
            version: FORMAT_VERSION,
            id: id.into(),
            title: id.into(),
            created_at: String::new(),
            updated_at: String::new(),
            panes: vec![crate::store::PaneRecord {
                model: "demo/fast".into(),
                closed: false,
                routing: Default::default(),
                settings: Default::default(),
                params: crate::store::Params::default(),
                turns: vec![crate::store::Turn::User {
                    content: "what is it?".into(),
                    send: None,
                    attachments,
                }],
            }],
            totals: Totals::default(),
            arena: Default::default(),
        }
    }

    #[test]
    fn deleting_a_session_removes_the_files_only_it_named_and_says_what_it_could_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::open(dir.path().join("sessions")).unwrap();
        let blobs = store.blobs();
        let (mine, shared, stuck): (&[u8], &[u8], &[u8]) =
            (b"\x89PNG mine", b"\x89PNG shared", b"\x89PNG stuck");
        let a = with_files("a", &[mine, shared]);
        let b = with_files("b", &[shared, stuck]);
        for s in [&a, &b] {
            let mut written = std::collections::HashSet::new();
            blobs.keep_all(s, &mut written).unwrap();
            store.save(s).unwrap();
        }
        let path = |s: &Session, i: usize| {
            let crate::store::Turn::User { attachments, .. } = &s.panes[0].turns[0] else {
                unreachable!()
            };
            blobs.path_of(&attachments[i]).unwrap()
        };
        // `sessions rm`: a's own file goes, the one b still names stays.
        let (msg, problems) = crate::sessions::remove(&store, "a").unwrap();
        assert_eq!(msg, "removed a (a) and 1 stored attachment");
        assert!(problems.is_empty(), "{problems:?}");
        assert!(!path(&a, 0).exists());
        assert!(path(&a, 1).exists());
        // A session file that cannot be read might name any file: all are kept, and said.
        std::fs::write(store.path("c"), b"{ broken").unwrap();
        let c = with_files("c2", &[]);
        store.save(&c).unwrap();
        let kept = blobs.release(&b, &store);
        assert_eq!(kept.removed, 0);
        assert!(
            kept.problems[0].contains("session c could not be read"),
            "{kept:?}"
        );
        std::fs::remove_file(store.path("c")).unwrap();
        // In the room's browser: a file that cannot be removed is said, the delete stands.
        std::fs::remove_file(path(&b, 1)).unwrap();
        std::fs::create_dir(path(&b, 1)).unwrap();
        let actions = run(&store, Effect::DeleteSession("b".into()));
        let [Action::StoreNotice { error: true, text }] = actions.as_slice() else {
            panic!("{actions:?}")
        };
        assert!(text.starts_with("cannot remove "), "{text}");
        assert!(!store.path("b").exists());
        assert!(
            !path(&b, 0).exists(),
            "the shared file went with its last session"
        );
    }
}
