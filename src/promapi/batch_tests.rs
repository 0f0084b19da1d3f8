use super::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn texts(v: &[String]) -> Vec<&String> {
    v.iter().collect()
}

fn shown(reqs: Vec<Vec<&String>>) -> Vec<Vec<String>> {
    reqs.into_iter()
        .map(|r| r.into_iter().cloned().collect())
        .collect()
}

#[test]
fn members_are_sent_verbatim_with_their_index() {
    assert_eq!(
        batch_text(&["sum(rate(x[1m]))", "up == 0"]),
        r#"label_replace(sum(rate(x[1m])), "__vitals_q", "0", "", "") or label_replace(up == 0, "__vitals_q", "1", "", "")"#
    );
    // The batch is itself a vector expression.
    assert!(is_vector(&batch_text(&["a", "b or c", "topk(3, d)"])));
}

#[test]
fn answers_split_back_to_their_members_without_the_index() {
    let l = |i: &str, q: &str| Labels::from_pairs([("instance", i), (INDEX_LABEL, q)]);
    let items = vec![(l("a", "1"), 1.0), (l("b", "0"), 2.0), (l("c", "1"), 3.0)];
    let parts = split(items, 3).unwrap();
    let plain = |i: &str| Labels::from_pairs([("instance", i)]);
    assert_eq!(parts[0], vec![(plain("b"), 2.0)]);
    assert_eq!(parts[1], vec![(plain("a"), 1.0), (plain("c"), 3.0)]);
    assert!(
        parts[2].is_empty(),
        "a member without series has an empty answer"
    );
    // Not an answer to a batch: an error, never a series given to the wrong member.
    assert!(split(vec![(plain("a"), 1.0)], 2).is_err());
    assert!(split(vec![(l("a", "2"), 1.0)], 2).is_err());
    assert!(split(vec![(l("a", "x"), 1.0)], 2).is_err());
}

#[test]
fn groups_share_one_request_while_the_server_is_fast() {
    let plan = s(&["a", "b", "user", "c", "d", "1 + 1"]);
    let groups = vec![s(&["a", "b"]), s(&["c", "d", "1 + 1"])];
    let mut b = Batcher::new(Some(Duration::from_millis(100)));
    let reqs = shown(b.requests(&texts(&plan), &groups, Kind::Instant));
    // Every group in one request; a user's text and a scalar alone.
    assert_eq!(
        reqs,
        vec![s(&["a", "b", "c", "d"]), s(&["user"]), s(&["1 + 1"])]
    );
    // Slow: one request per group, asked concurrently.
    b.spent(Kind::Instant, Duration::from_millis(150));
    let reqs = shown(b.requests(&texts(&plan), &groups, Kind::Instant));
    assert_eq!(
        reqs,
        vec![s(&["a", "b"]), s(&["c", "d"]), s(&["user"]), s(&["1 + 1"])]
    );
    // Range requests keep their own record.
    let reqs = shown(b.requests(&texts(&plan), &groups, Kind::Range));
    assert_eq!(reqs[0], s(&["a", "b", "c", "d"]));
    // Fast again: merged again.
    b.spent(Kind::Instant, Duration::from_millis(20));
    assert_eq!(b.requests(&texts(&plan), &groups, Kind::Instant).len(), 3);
}

#[test]
fn a_text_in_two_groups_is_asked_once() {
    let plan = s(&["a", "b"]);
    let groups = vec![s(&["a"]), s(&["a", "b"])];
    let mut b = Batcher::new(Some(Duration::from_millis(100)));
    b.spent(Kind::Instant, Duration::from_secs(1));
    let reqs = shown(b.requests(&texts(&plan), &groups, Kind::Instant));
    assert_eq!(reqs, vec![s(&["a"]), s(&["b"])]);
}

#[test]
fn without_a_budget_every_text_goes_alone() {
    let plan = s(&["a", "b"]);
    let mut b = Batcher::new(None);
    let reqs = shown(b.requests(&texts(&plan), std::slice::from_ref(&plan), Kind::Instant));
    assert_eq!(reqs, vec![s(&["a"]), s(&["b"])]);
}

#[test]
fn members_that_fail_alone_after_a_refused_batch_are_not_batched_again() {
    let plan = s(&["a", "b", "c"]);
    let groups = vec![plan.clone()];
    let refused = |e: &str| SourceError::BadData {
        url: "u".into(),
        error_type: "execution".into(),
        error: e.into(),
    };
    let t0 = Instant::now();
    let mut b = Batcher::new(Some(Duration::from_millis(100)));
    let members = texts(&plan);
    let answers: Vec<Result<(), SourceError>> = vec![Ok(()), Err(refused("many-to-many")), Ok(())];
    // A batch that was answered teaches nothing.
    b.learn(&members, &answers, false, t0);
    assert_eq!(b.requests(&members, &groups, Kind::Instant).len(), 1);
    b.learn(&members, &answers, true, t0);
    let reqs = shown(b.requests(&members, &groups, Kind::Instant));
    assert_eq!(reqs, vec![s(&["a", "c"]), s(&["b"])]);
    // Until batching is tried again.
    b.expire(t0 + RETRY_BATCH - Duration::from_secs(1));
    assert_eq!(b.requests(&members, &groups, Kind::Instant).len(), 2);
    b.expire(t0 + RETRY_BATCH);
    assert_eq!(b.requests(&members, &groups, Kind::Instant).len(), 1);
    // Refused as a whole though every member answers alone (too large):
    // all of them go alone.
    let mut b = Batcher::new(Some(Duration::from_millis(100)));
    let ok: Vec<Result<(), SourceError>> = vec![Ok(()), Ok(()), Ok(())];
    b.learn(&members, &ok, true, t0);
    assert_eq!(b.requests(&members, &groups, Kind::Instant).len(), 3);
    // Transient failures teach nothing.
    let mut b = Batcher::new(Some(Duration::from_millis(100)));
    let down = SourceError::Timeout {
        url: "u".into(),
        timeout: Duration::from_secs(1),
    };
    let timeouts: Vec<Result<(), SourceError>> = vec![Err(down.clone()), Err(down.clone()), Ok(())];
    b.learn(&members, &timeouts, true, t0);
    assert_eq!(
        b.alone.len(),
        3,
        "no lasting failure alone: the batch itself was the problem"
    );
}
