//! Cut and broken bodies: the partial answer is kept, the damage reported.

use super::*;

#[tokio::test]
async fn stream_cut_before_its_finish_chunk_is_dropped_and_keeps_partial_content() {
    let mut cut_streams = 0;
    for exp in expected() {
        let body = String::from_utf8(read(exp.file))
            .unwrap()
            .replace("\r\n", "\n");
        let starts = data_line_starts(&body);
        let Some(&finish_line) = starts
            .iter()
            .find(|&&s| chunk_at(&body, s).is_some_and(|c| has_finish_reason(&c)))
        else {
            continue;
        };
        cut_streams += 1;
        let before = reference_content(&body[..finish_line]);
        let line_len = line_at(&body, finish_line).len();
        // At an event boundary, and in the middle of the finish chunk's line.
        for cut in [finish_line, finish_line + line_len / 2] {
            for piece in [1, 64, usize::MAX] {
                let events = decode(&body.as_bytes()[..cut], piece).await;
                let got = fold(&events);
                assert!(
                    matches!(got.error, Some(ApiError::Dropped { .. })),
                    "{} cut at {cut}: {:?}",
                    exp.file,
                    got.error
                );
                assert_eq!(got.content, before, "{} cut at {cut}", exp.file);
                assert_eq!(got.finish, None, "{} cut at {cut}", exp.file);
                assert!(
                    got.damage.is_none(),
                    "an incomplete last event is discarded, not decoded: {}",
                    exp.file
                );
            }
        }
    }
    assert!(
        cut_streams >= 25,
        "only {cut_streams} streams had a finish chunk"
    );
}

#[tokio::test]
async fn stream_cut_mid_answer_keeps_the_text_so_far() {
    let rel = "openrouter/stream/claude-haiku-4.5-long-thinking.sse";
    let body = String::from_utf8(read(rel)).unwrap();
    // Cut in the middle of the eleventh content chunk's line (on a char boundary).
    let starts = data_line_starts(&body);
    let content_lines: Vec<usize> = starts
        .into_iter()
        .filter(|&s| chunk_at(&body, s).is_some_and(|c| has_content(&c)))
        .collect();
    let line = content_lines[10];
    let mut cut = line + line_at(&body, line).len() / 2;
    while !body.is_char_boundary(cut) {
        cut += 1;
    }
    let expected = reference_content(&body[..line]);
    assert!(!expected.is_empty() && expected.len() < 1168);
    let events = decode(&body.as_bytes()[..cut], 7).await;
    let got = fold(&events);
    assert_eq!(got.content, expected);
    assert_eq!(
        got.reasoning.chars().count(),
        2680,
        "the whole reasoning came before the answer"
    );
    assert!(matches!(
        events.last(),
        Some(StreamEvent::Failed(ApiError::Dropped { .. }))
    ));
}

#[tokio::test]
async fn undecodable_chunk_is_skipped_and_the_rest_kept() {
    let mut damaged_streams = 0;
    for exp in expected() {
        let body = String::from_utf8(read(exp.file)).unwrap();
        let Some(&victim) = data_line_starts(&body).iter().find(|&&s| {
            chunk_at(&body, s).is_some_and(|c| has_content(&c) && !has_finish_reason(&c))
        }) else {
            continue;
        };
        damaged_streams += 1;
        let old_line = line_at(&body, victim);
        let mut broken = body.clone();
        broken.replace_range(
            victim..victim + old_line.len(),
            r#"data: {"choices":[{"delta":{"content":"lost"#,
        );
        let intact = fold(&decode(body.as_bytes(), usize::MAX).await);
        for piece in [1, 7, usize::MAX] {
            let events = decode(broken.as_bytes(), piece).await;
            let damaged: Vec<_> = events
                .iter()
                .filter(|e| matches!(e, StreamEvent::Damaged(_)))
                .collect();
            assert!(
                matches!(
                    damaged.as_slice(),
                    [StreamEvent::Damaged(Damage::Undecodable(
                        ApiError::Malformed { .. }
                    ))]
                ),
                "{}: {damaged:?}",
                exp.file
            );
            let got = fold(&events);
            assert_eq!(got.content, reference_content(&broken), "{}", exp.file);
            assert!(intact.content.len() > got.content.len(), "{}", exp.file);
            assert!(
                matches!(got.damage, Some(ApiError::Malformed { .. })),
                "{}",
                exp.file
            );
            // The rest of the answer still arrives: finish reason, usage and clean end.
            assert_eq!(got.finish, intact.finish, "{}", exp.file);
            assert_eq!(got.usage, intact.usage, "{}", exp.file);
            assert_eq!(got.error, intact.error, "{}", exp.file);
        }
    }
    assert!(
        damaged_streams >= 15,
        "only {damaged_streams} streams had a content chunk"
    );
}
