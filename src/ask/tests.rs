//! The rate-limit retries of one answer.

use super::*;

fn rate_limited(after: u64) -> Reply {
    let mut r = Reply::new(Instant::now());
    r.error = Some(ApiError::Http {
        status: 429,
        code: None,
        message: "slow down".into(),
        provider: None,
        raw: None,
        retry_after: Some(Duration::from_secs(after)),
    });
    r
}

#[tokio::test(start_paused = true)]
async fn a_429_is_asked_again_after_its_retry_after() {
    let start = Instant::now();
    let mut calls = 0;
    let reply = with_rate_limit_retries(
        || {
            calls += 1;
            let n = calls;
            async move {
                if n < 3 {
                    rate_limited(2)
                } else {
                    Reply::new(Instant::now())
                }
            }
        },
        None,
    )
    .await;
    assert_eq!(calls, 3);
    assert!(reply.failure().is_none());
    assert_eq!(start.elapsed(), Duration::from_secs(4));
}

#[tokio::test(start_paused = true)]
async fn a_429_after_every_attempt_says_so_and_a_deadline_stops_the_wait() {
    let reply = with_rate_limit_retries(|| async { rate_limited(1) }, None).await;
    let e = reply.failure().unwrap();
    assert!(
        e.to_string()
            .contains("still rate limited after 3 attempts"),
        "{e}"
    );
    assert!(!e.hint().unwrap().contains("retry in"), "{:?}", e.hint());
    // No wait that would end past the deadline.
    let start = Instant::now();
    let deadline = Some(start + Duration::from_secs(5));
    let reply = with_rate_limit_retries(|| async { rate_limited(30) }, deadline).await;
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert!(reply.failure().is_some());
}
