//! One module per subcommand: each turns parsed arguments into work and an exit status.
//! The room itself (no subcommand) stays in `lib.rs`.

pub(crate) mod ask;
pub(crate) mod leaderboard;
pub(crate) mod models;
pub(crate) mod sessions;
pub(crate) mod simulate;
