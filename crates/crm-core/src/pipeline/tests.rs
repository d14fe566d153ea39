use super::*;
use crate::wire::Ref;
use proptest::prelude::*;
use serde_json::json;

const NOW: i64 = 1_790_000_000_000; // 2026-09-21

fn deal(id: &str, stage: &str, amount: Option<f64>) -> Deal {
    Deal {
        object_id: Some(id.into()),
        title: format!("Deal {id}"),
        amount,
        stage: Some(Stage::from(stage)),
        ..Default::default()
    }
}

fn date(text: &str) -> Option<IsoDate> {
    IsoDate::parse(text)
}

fn loaded(deals: Vec<Deal>) -> Pipeline {
    let mut p = Pipeline::new();
    p.load(deals).unwrap();
    p
}

fn summary(p: &Pipeline) -> Vec<(String, u32, f64, f64)> {
    p.columns()
        .into_iter()
        .map(|c| (c.stage, c.count, c.total, c.weighted))
        .collect()
}

#[test]
fn columns_in_stage_order_with_totals_and_default_weights() {
    let p = loaded(vec![
        deal("a", "won", Some(1000.0)),
        deal("b", "lead", Some(200.0)),
        deal("c", "lead", Some(300.5)),
        deal("d", "negotiation", Some(100.0)),
        deal("e", "lost", Some(50.0)),
        deal("f", "proposal", None),
    ]);
    assert_eq!(
        summary(&p),
        vec![
            ("lead".into(), 2, 500.5, 50.05),
            ("qualified".into(), 0, 0.0, 0.0),
            ("proposal".into(), 1, 0.0, 0.0),
            ("negotiation".into(), 1, 100.0, 75.0),
            ("won".into(), 1, 1000.0, 1000.0),
            ("lost".into(), 1, 50.0, 0.0),
        ]
    );
}

#[test]
fn unknown_stages_get_trailing_columns_and_a_missing_stage_is_a_lead() {
    let mut none = deal("x", "lead", Some(1.0));
    none.stage = None;
    let p = loaded(vec![
        deal("a", "on-hold", Some(10.0)),
        none,
        deal("b", "archived", Some(5.0)),
    ]);
    let stages: Vec<String> = p.columns().into_iter().map(|c| c.stage).collect();
    assert!(
        p.check_column("on-hold").is_ok(),
        "another client's stage is a column"
    );
    assert_eq!(
        stages,
        [
            "lead",
            "qualified",
            "proposal",
            "negotiation",
            "won",
            "lost",
            "on-hold",
            "archived"
        ]
    );
    assert_eq!(p.columns()[0].count, 1);
    assert_eq!(
        p.columns()[6].weighted,
        0.0,
        "unknown stages weigh 0 by default"
    );
}

#[test]
fn probabilities_are_configurable_and_checked() {
    let mut p = loaded(vec![
        deal("a", "lead", Some(1000.0)),
        deal("b", "on-hold", Some(100.0)),
    ]);
    p.set_probabilities(Probabilities {
        lead: 33.0,
        other: 50.0,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(p.columns()[0].weighted, 330.0);
    assert_eq!(p.columns()[6].weighted, 50.0);
    let err = p
        .set_probabilities(Probabilities {
            won: 120.0,
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code(), "INVALID_INPUT");
    assert_eq!(
        p.columns()[0].weighted,
        330.0,
        "unchanged after a refused update"
    );
}

fn rich() -> Vec<Deal> {
    let mut deals = Vec::new();
    let mk = |id: &str,
              stage: &str,
              amount: f64,
              close: &str,
              updated: &str,
              who: &str,
              company: &str,
              title: &str| Deal {
        object_id: Some(id.into()),
        title: title.into(),
        amount: Some(amount),
        stage: Some(Stage::from(stage)),
        expected_close_date: date(close),
        updated_at: date(updated),
        created_at: date("2026-01-01"),
        assigned_to: Some(Ref::to(who)),
        company: Some(Ref::to(company)),
        contact: Some(Ref::to(format!("p-{company}"))),
        ..Default::default()
    };
    deals.push(mk(
        "1",
        "lead",
        100.0,
        "2026-08-01",
        "2026-09-20",
        "ann",
        "acme",
        "Café renewal",
    ));
    deals.push(mk(
        "2",
        "qualified",
        250.0,
        "2026-10-01",
        "2026-06-01",
        "bob",
        "acme",
        "CAFÉ expansion",
    ));
    deals.push(mk(
        "3",
        "won",
        900.0,
        "2026-07-01",
        "2026-07-02",
        "ann",
        "globex",
        "Pilot",
    ));
    deals.push(mk(
        "4",
        "proposal",
        50.0,
        "2026-12-24",
        "2026-09-01",
        "bob",
        "globex",
        "Straße project",
    ));
    deals.push(mk(
        "5",
        "lost",
        75.0,
        "2026-05-01",
        "2026-05-01",
        "cy",
        "initech",
        "Old thing",
    ));
    deals
}

fn shown(p: &mut Pipeline) -> Vec<String> {
    let stages: Vec<String> = p.columns().into_iter().map(|c| c.stage).collect();
    let mut ids: Vec<String> = stages.iter().flat_map(|s| p.column_ids(s)).collect();
    ids.sort();
    ids
}

#[test]
fn overdue_counts_whole_days_from_the_users_day() {
    // A deal closing on the clock's day is not overdue yet; `today` (the user's day) moves the
    // line. Counted from the clock's instant, it was overdue all day while its card said
    // "Closes today".
    let today = date("2026-09-21").unwrap();
    assert!(today.millis() < NOW && NOW - today.millis() < DAY_MS);
    let mut yesterday = deal("yesterday", "lead", None);
    yesterday.expected_close_date = date("2026-09-20");
    let mut due_today = deal("today", "lead", None);
    due_today.expected_close_date = Some(today);
    let mut won = deal("won", "won", None);
    won.expected_close_date = date("2026-09-01");
    let mut p = loaded(vec![yesterday, due_today, won]);
    let mut overdue = |today: Option<IsoDate>| {
        let f = Filter {
            overdue: Some(true),
            today,
            ..Default::default()
        };
        p.set_filter(f, NOW).unwrap();
        shown(&mut p)
    };
    assert_eq!(overdue(None), ["yesterday"]);
    assert_eq!(overdue(date("2026-09-21")), ["yesterday"]);
    assert_eq!(overdue(date("2026-09-22")), ["today", "yesterday"]);
    assert_eq!(overdue(date("2026-09-20")), Vec::<String>::new());
}

#[test]
fn each_filter_selects_what_it_says() {
    let mut p = loaded(rich());
    let mut check = |f: Filter, expected: &[&str]| {
        p.set_filter(f.clone(), NOW).unwrap();
        assert_eq!(shown(&mut p), expected, "{f:?}");
    };
    check(
        Filter {
            assignees: Some(vec!["ann".into()]),
            ..Default::default()
        },
        &["1", "3"],
    );
    check(
        Filter {
            assignees: Some(vec!["nobody".into()]),
            ..Default::default()
        },
        &[],
    );
    check(
        Filter {
            companies: Some(vec!["globex".into(), "initech".into()]),
            ..Default::default()
        },
        &["3", "4", "5"],
    );
    check(
        Filter {
            contacts: Some(vec!["p-acme".into()]),
            ..Default::default()
        },
        &["1", "2"],
    );
    check(
        Filter {
            min_amount: Some(75.0),
            max_amount: Some(250.0),
            ..Default::default()
        },
        &["1", "2", "5"],
    );
    check(
        Filter {
            close_from: date("2026-08-01"),
            close_before: date("2026-12-24"),
            ..Default::default()
        },
        &["1", "2"],
    );
    // Unicode-aware, case-insensitive text.
    check(
        Filter {
            text: Some("café".into()),
            ..Default::default()
        },
        &["1", "2"],
    );
    check(
        Filter {
            text: Some("STRASSE".into()),
            ..Default::default()
        },
        &[],
    );
    check(
        Filter {
            text: Some("STRAßE".into()),
            ..Default::default()
        },
        &["4"],
    );
    // Overdue: close date passed, not won or lost (NOW is 2026-09-21).
    check(
        Filter {
            overdue: Some(true),
            ..Default::default()
        },
        &["1"],
    );
    // Stale: not updated for 30 days.
    check(
        Filter {
            stale_days: Some(30.0),
            ..Default::default()
        },
        &["2", "3", "5"],
    );
    check(Filter::default(), &["1", "2", "3", "4", "5"]);
    let err = p
        .set_filter(
            Filter {
                min_amount: Some(f64::NAN),
                ..Default::default()
            },
            NOW,
        )
        .unwrap_err();
    assert_eq!(err.code(), "INVALID_INPUT");
}

#[test]
fn sorting_is_stable_and_puts_missing_keys_last() {
    let mut deals = vec![
        deal("a", "lead", Some(5.0)),
        deal("b", "lead", None),
        deal("c", "lead", Some(1.0)),
        deal("d", "lead", Some(5.0)),
        deal("e", "lead", Some(9.0)),
    ];
    deals[0].expected_close_date = date("2026-03-01");
    deals[2].expected_close_date = date("2026-01-01");
    deals[3].expected_close_date = date("2026-03-01");
    let mut p = loaded(deals);
    assert_eq!(
        p.column_ids("lead"),
        ["c", "a", "d", "b", "e"],
        "by close date, missing last, ties in arrival order"
    );
    p.set_sort(Sort {
        key: SortKey::Amount,
        descending: false,
    });
    assert_eq!(p.column_ids("lead"), ["c", "a", "d", "e", "b"]);
    p.set_sort(Sort {
        key: SortKey::Amount,
        descending: true,
    });
    assert_eq!(
        p.column_ids("lead"),
        ["e", "a", "d", "c", "b"],
        "descending keeps missing last and ties stable"
    );
    p.set_sort(Sort {
        key: SortKey::Title,
        descending: true,
    });
    assert_eq!(p.column_ids("lead"), ["e", "d", "c", "b", "a"]);
}

#[test]
fn pages_slice_a_sorted_column() {
    let deals: Vec<Deal> = (0..10)
        .map(|i| deal(&format!("{i}"), "lead", Some(f64::from(i))))
        .collect();
    let mut p = loaded(deals);
    p.set_sort(Sort {
        key: SortKey::Amount,
        descending: true,
    });
    let ids = |page: Vec<&Deal>| {
        page.into_iter()
            .map(|d| d.object_id.clone().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(p.page("lead", 0, 3)), ["9", "8", "7"]);
    assert_eq!(ids(p.page("lead", 8, 5)), ["1", "0"]);
    assert!(p.page("lead", 50, 5).is_empty());
    assert!(p.page("no-such-stage", 0, 5).is_empty());
    assert_eq!(
        p.check_column("no-such-stage").unwrap_err().code(),
        "INVALID_INPUT"
    );
    assert!(p.check_column("won").is_ok(), "a known stage, even empty");
    assert!(p.page("lead", usize::MAX, usize::MAX).is_empty());
}

#[test]
fn a_move_applies_at_once_and_can_be_reverted_or_confirmed() {
    let mut p = loaded(vec![
        deal("a", "lead", Some(100.0)),
        deal("b", "lead", Some(50.0)),
    ]);
    let v0 = p.version();
    let m = p.move_deal("a", &Stage::Won).unwrap();
    assert!(p.version() > v0);
    assert_eq!((p.columns()[0].count, p.columns()[4].total), (1, 100.0));
    assert_eq!(p.deal("a").unwrap().stage, Some(Stage::Won));
    assert!(p.revert_move(m));
    assert_eq!((p.columns()[0].count, p.columns()[4].count), (2, 0));
    assert!(!p.revert_move(m), "a move is undone once");
    let m2 = p.move_deal("b", &Stage::Proposal).unwrap();
    assert!(p.confirm_move(m2));
    assert!(!p.revert_move(m2));
    assert_eq!(p.columns()[2].count, 1);
    // A newer change wins over a late revert.
    let m3 = p.move_deal("a", &Stage::Qualified).unwrap();
    p.upsert(deal("a", "negotiation", Some(100.0))).unwrap();
    assert!(!p.revert_move(m3));
    assert_eq!(p.deal("a").unwrap().stage, Some(Stage::Negotiation));
    // A revert finds its deal even after other rows moved around it.
    let m4 = p.move_deal("b", &Stage::Lost).unwrap();
    p.upsert(deal("c", "lead", Some(1.0))).unwrap();
    assert!(p.remove("a"));
    assert!(p.revert_move(m4));
    assert_eq!(p.deal("b").unwrap().stage, Some(Stage::Proposal));
    assert_eq!(
        p.move_deal("zzz", &Stage::Won).unwrap_err().code(),
        "INVALID_INPUT"
    );
    assert_eq!(
        p.move_deal("a", &Stage::Other("limbo".into()))
            .unwrap_err()
            .code(),
        "INVALID_FIELD"
    );
}

#[test]
fn upserts_and_removes_adjust_the_columns() {
    let mut p = loaded(vec![deal("a", "lead", Some(100.0))]);
    p.upsert(deal("b", "won", Some(20.0))).unwrap();
    p.upsert(deal("a", "won", Some(30.0))).unwrap();
    assert_eq!(summary(&p)[4], ("won".into(), 2, 50.0, 50.0));
    assert_eq!(summary(&p)[0].1, 0);
    assert!(p.remove("a"));
    assert!(!p.remove("a"));
    assert_eq!(summary(&p)[4], ("won".into(), 1, 20.0, 20.0));
    assert_eq!(p.len(), 1);
    assert_eq!(
        p.upsert(Deal {
            title: "no id".into(),
            ..Default::default()
        })
        .unwrap_err()
        .code(),
        "INVALID_INPUT"
    );
    assert_eq!(
        p.upsert(deal("c", "lead", Some(f64::INFINITY)))
            .unwrap_err()
            .code(),
        "INVALID_INPUT"
    );
}

#[test]
fn an_upsert_with_bare_pointers_keeps_the_included_objects_it_still_points_at() {
    use crate::models::{Company, Contact};
    let company = |id: &str, name: &str| {
        Some(Ref::Object(Box::new(Company {
            object_id: Some(id.into()),
            name: name.into(),
            ..Default::default()
        })))
    };
    let mut p = loaded(vec![Deal {
        company: company("co1", "Acme"),
        contact: Some(Ref::Object(Box::new(Contact {
            object_id: Some("ct1".into()),
            name: "Ann".into(),
            ..Default::default()
        }))),
        ..deal("a", "lead", Some(10.0))
    }]);
    // A Live Query event: same company, the contact pointer changed, a new amount.
    p.upsert(Deal {
        company: Some(Ref::to("co1")),
        contact: Some(Ref::to("ct2")),
        ..deal("a", "won", Some(20.0))
    })
    .unwrap();
    let d = p.deal("a").unwrap();
    assert_eq!(
        d.company
            .as_ref()
            .and_then(Ref::object)
            .map(|c| c.name.as_str()),
        Some("Acme")
    );
    assert_eq!(d.contact, Some(Ref::to("ct2")));
    assert_eq!(d.amount, Some(20.0));
    assert_eq!(summary(&p)[4], ("won".into(), 1, 20.0, 20.0));
    // Pointing elsewhere drops the old object; an included object in the event wins.
    p.upsert(Deal {
        company: Some(Ref::to("co2")),
        ..deal("a", "won", Some(20.0))
    })
    .unwrap();
    assert_eq!(p.deal("a").unwrap().company, Some(Ref::to("co2")));
    p.upsert(Deal {
        company: company("co2", "Globex"),
        ..deal("a", "won", Some(20.0))
    })
    .unwrap();
    p.upsert(Deal {
        company: None,
        ..deal("a", "won", Some(20.0))
    })
    .unwrap();
    assert_eq!(p.deal("a").unwrap().company, None);
}

#[test]
fn loading_checks_everything_first_and_accepts_both_shapes() {
    let mut p = loaded(vec![deal("keep", "lead", Some(1.0))]);
    for bad in [
        "not json",
        "{}",
        r#"[{"objectId": "a", "title": "x"}, {"title": "no id"}]"#,
        r#"[{"objectId": "a", "title": "x"}, {"objectId": "a", "title": "twice"}]"#,
        r#"[{"objectId": "a", "title": "x", "amount": "lots"}]"#,
        r#"[{"objectId": "a", "title": "x", "amount": 1e300}]"#,
    ] {
        assert_eq!(
            p.load_json(bad).unwrap_err().code(),
            "INVALID_INPUT",
            "{bad}"
        );
        assert_eq!(p.len(), 1, "nothing lost after {bad}");
    }
    p.load_json(
        &json!({"results": [
            {"objectId": "w", "title": "Wire", "stage": "won", "amount": 5,
             "expectedCloseDate": {"__type": "Date", "iso": "2026-12-01T00:00:00.000Z"},
             "company": {"__type": "Pointer", "className": "Company", "objectId": "c1"}},
            {"objectId": "j", "title": "JS", "stage": "won", "amount": 7, "expectedCloseDate": "2026-12-02T00:00:00.000Z"}
        ]})
        .to_string(),
    )
    .unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(p.columns()[4].total, 12.0);
    assert_eq!(p.column_ids("won"), ["w", "j"]);
}

#[test]
fn statistics() {
    let mut p = loaded(rich());
    let s = p.stats(NOW);
    assert_eq!((s.count, s.total), (5, 1375.0));
    assert_eq!(s.win_rate, Some(0.5));
    assert_eq!(s.average_deal_size, Some(275.0));
    assert_eq!(s.weighted, 10.0 + 62.5 + 900.0 + 25.0);
    let months: Vec<(String, f64)> = s
        .expected_revenue_by_month
        .iter()
        .map(|m| (m.month.clone(), m.weighted))
        .collect();
    assert_eq!(
        months,
        vec![
            ("2026-05".into(), 0.0),
            ("2026-07".into(), 900.0),
            ("2026-08".into(), 10.0),
            ("2026-10".into(), 62.5),
            ("2026-12".into(), 25.0)
        ]
    );
    let created = IsoDate::parse("2026-01-01").unwrap().millis();
    let lead_age = s.average_age_by_stage[0].average_age_days.unwrap();
    assert!((lead_age - (NOW - created) as f64 / DAY_MS as f64).abs() < 1e-9);
    // Statistics follow the filter.
    p.set_filter(
        Filter {
            assignees: Some(vec!["bob".into()]),
            ..Default::default()
        },
        NOW,
    )
    .unwrap();
    let s = p.stats(NOW);
    assert_eq!((s.count, s.win_rate), (2, None));
}

// ---- properties ----

#[derive(Clone, Debug)]
enum Op {
    Upsert(u8, u8, Option<u32>, Option<u16>, u8),
    Remove(u8),
    Move(u8, u8),
    Revert(u8),
    Filter(u8),
    Sort(u8, bool),
    Page(u8),
}

const STAGES: [&str; 7] = [
    "lead",
    "qualified",
    "proposal",
    "negotiation",
    "won",
    "lost",
    "on-hold",
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..30, 0u8..7, proptest::option::of(0u32..100_000), proptest::option::of(0u16..400), 0u8..4)
            .prop_map(|(id, s, a, d, who)| Op::Upsert(id, s, a, d, who)),
        1 => (0u8..30).prop_map(Op::Remove),
        2 => (0u8..30, 0u8..6).prop_map(|(id, s)| Op::Move(id, s)),
        1 => (0u8..8).prop_map(Op::Revert),
        1 => (0u8..6).prop_map(Op::Filter),
        1 => (0u8..4, any::<bool>()).prop_map(|(k, d)| Op::Sort(k, d)),
        1 => (0u8..7).prop_map(Op::Page),
    ]
}

fn filter_n(n: u8) -> Filter {
    match n {
        0 => Filter::default(),
        1 => Filter {
            min_amount: Some(300.0),
            ..Default::default()
        },
        2 => Filter {
            assignees: Some(vec!["u1".into(), "u2".into()]),
            ..Default::default()
        },
        3 => Filter {
            text: Some("1".into()),
            ..Default::default()
        },
        4 => Filter {
            overdue: Some(true),
            ..Default::default()
        },
        _ => Filter {
            close_before: date("2026-06-01"),
            stale_days: Some(3.0),
            ..Default::default()
        },
    }
}

fn gen_deal(id: u8, stage: u8, cents: Option<u32>, day: Option<u16>, who: u8) -> Deal {
    let base = IsoDate::parse("2026-01-01").unwrap().millis();
    Deal {
        object_id: Some(format!("d{id}")),
        title: format!("Deal {id} {}", cents.unwrap_or(0) % 7),
        amount: cents.map(|c| f64::from(c) / 100.0),
        stage: Some(Stage::from(STAGES[stage as usize])),
        expected_close_date: day.and_then(|d| IsoDate::from_millis(base + i64::from(d) * DAY_MS)),
        updated_at: day.and_then(|d| IsoDate::from_millis(base + i64::from(d / 2) * DAY_MS)),
        assigned_to: (who > 0).then(|| Ref::to(format!("u{who}"))),
        ..Default::default()
    }
}

fn apply(p: &mut Pipeline, op: &Op, moves: &mut Vec<u32>) {
    match op {
        Op::Upsert(id, s, a, d, who) => p.upsert(gen_deal(*id, *s, *a, *d, *who)).unwrap(),
        Op::Remove(id) => {
            p.remove(&format!("d{id}"));
        }
        Op::Move(id, s) => {
            if let Ok(m) = p.move_deal(&format!("d{id}"), &Stage::from(STAGES[*s as usize])) {
                moves.push(m);
            }
        }
        Op::Revert(i) => {
            if let Some(&m) = moves.get(*i as usize) {
                p.revert_move(m);
            }
        }
        Op::Filter(n) => p.set_filter(filter_n(*n), NOW).unwrap(),
        Op::Sort(k, d) => {
            let key = [
                SortKey::ExpectedCloseDate,
                SortKey::UpdatedAt,
                SortKey::Amount,
                SortKey::Title,
            ][*k as usize];
            p.set_sort(Sort {
                key,
                descending: *d,
            });
        }
        Op::Page(s) => {
            p.page(STAGES[*s as usize], 0, 3);
        }
    }
}

/// A fresh pipeline built from scratch from `p`'s deals with `p`'s settings.
fn recomputed(p: &Pipeline) -> Pipeline {
    let mut q = Pipeline::new();
    q.set_sort(p.sort);
    q.set_probabilities(p.probabilities.clone()).unwrap();
    q.load(p.deals_in_arrival_order()).unwrap();
    q.set_filter(p.filter.clone(), p.now_ms).unwrap();
    q
}

fn all_columns(p: &mut Pipeline) -> Vec<(String, u32, f64, f64, Vec<String>)> {
    p.columns()
        .into_iter()
        .map(|c| {
            let ids = p.column_ids(&c.stage);
            (c.stage, c.count, c.total, c.weighted, ids)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn incremental_changes_equal_a_full_recomputation(ops in proptest::collection::vec(op(), 1..80)) {
        let mut p = Pipeline::new();
        let mut moves = Vec::new();
        for op in &ops {
            apply(&mut p, op, &mut moves);
        }
        let mut q = recomputed(&p);
        prop_assert_eq!(all_columns(&mut p), all_columns(&mut q));
        prop_assert_eq!(p.stats(NOW), q.stats(NOW));
    }

    #[test]
    fn totals_are_invariant_under_moves(
        deals in proptest::collection::vec((0u8..7, proptest::option::of(0u32..100_000)), 1..60),
        moves in proptest::collection::vec((0usize..60, 0u8..6), 0..60),
    ) {
        let deals: Vec<Deal> = deals.iter().enumerate()
            .map(|(i, (s, a))| gen_deal(i as u8, *s, *a, None, 0)).collect();
        let n = deals.len();
        let mut p = Pipeline::new();
        p.load(deals).unwrap();
        let before = p.stats(NOW);
        for (i, s) in moves {
            p.move_deal(&format!("d{}", i % n), &Stage::from(STAGES[s as usize])).unwrap();
        }
        let after = p.stats(NOW);
        prop_assert_eq!((before.count, before.total), (after.count, after.total));
    }

    #[test]
    fn filters_compose_as_intersections(
        deals in proptest::collection::vec((0u8..7, proptest::option::of(0u32..100_000), proptest::option::of(0u16..400), 0u8..4), 0..60),
        a in 0u8..6, b in 0u8..6,
    ) {
        let deals: Vec<Deal> = deals.iter().enumerate()
            .map(|(i, (s, c, d, w))| gen_deal(i as u8, *s, *c, *d, *w)).collect();
        let mut p = Pipeline::new();
        p.load(deals).unwrap();
        let (fa, fb) = (filter_n(a), filter_n(b));
        p.set_filter(fa.clone(), NOW).unwrap();
        let only_a = shown(&mut p);
        p.set_filter(fb.clone(), NOW).unwrap();
        let only_b = shown(&mut p);
        let both = Filter {
            assignees: fa.assignees.or(fb.assignees),
            min_amount: fa.min_amount.or(fb.min_amount),
            text: fa.text.or(fb.text),
            overdue: fa.overdue.or(fb.overdue),
            close_before: fa.close_before.or(fb.close_before),
            stale_days: fa.stale_days.or(fb.stale_days),
            ..Default::default()
        };
        p.set_filter(both, NOW).unwrap();
        let expected: Vec<String> = only_a.iter().filter(|id| only_b.contains(id)).cloned().collect();
        prop_assert_eq!(shown(&mut p), expected);
    }

    #[test]
    fn sorting_is_stable(amounts in proptest::collection::vec(0u32..4, 0..40), descending in any::<bool>()) {
        let deals: Vec<Deal> = amounts.iter().enumerate()
            .map(|(i, a)| gen_deal(i as u8, 0, Some(*a * 100), None, 0)).collect();
        let mut p = Pipeline::new();
        p.set_sort(Sort { key: SortKey::Amount, descending });
        p.load(deals).unwrap();
        let ids = p.column_ids("lead");
        let key = |id: &String| {
            let i: usize = id[1..].parse().unwrap();
            (if descending { 3 - amounts[i] } else { amounts[i] }, i)
        };
        let mut expected = ids.clone();
        expected.sort_by_key(key);
        prop_assert_eq!(ids, expected);
    }
}

#[test]
fn totals_of_many_deals_near_the_largest_amount_do_not_overflow() {
    // 2,000 × 8.9e15 cents is past i64::MAX: the sums are kept in i128.
    let big = 8.9e13;
    let mut deals: Vec<Deal> = (0..2000)
        .map(|i| deal(&format!("d{i}"), "won", Some(big)))
        .collect();
    for d in deals.iter_mut().take(10) {
        d.expected_close_date = date("2026-10-01T00:00:00.000Z");
    }
    let mut p = loaded(deals);
    let expected = 2000.0 * big;
    let won = &p.columns()[WON as usize];
    assert_eq!(
        (won.count, won.total, won.weighted),
        (2000, expected, expected)
    );
    let stats = p.stats(NOW);
    assert_eq!((stats.total, stats.weighted), (expected, expected));
    assert_eq!(stats.average_deal_size, Some(big));
    assert_eq!(stats.expected_revenue_by_month[0].total, 10.0 * big);
    // The incremental path (a move out and back) keeps the same exact sums.
    p.upsert(deal("d0", "lost", Some(big))).unwrap();
    p.upsert(deal("d0", "won", Some(big))).unwrap();
    assert_eq!(p.columns()[WON as usize].total, expected);
}

#[test]
fn a_text_filter_finds_deals_by_their_company_or_contact_name_too() {
    use crate::models::{Company, Contact};
    let company = |id: &str, name: &str| {
        Some(Ref::Object(Box::new(Company {
            object_id: Some(id.into()),
            name: name.into(),
            ..Default::default()
        })))
    };
    let mut p = loaded(vec![
        Deal {
            company: company("co1", "Globex"),
            ..deal("a", "lead", Some(10.0))
        },
        Deal {
            title: "Globex renewal".into(),
            ..deal("b", "lead", Some(20.0))
        },
        Deal {
            contact: Some(Ref::Object(Box::new(Contact {
                object_id: Some("ct1".into()),
                name: "Hank Scorpio".into(),
                ..Default::default()
            }))),
            ..deal("c", "won", Some(30.0))
        },
        // A bare pointer: the name is not known here.
        Deal {
            company: Some(Ref::to("co1")),
            ..deal("d", "lead", Some(40.0))
        },
    ]);
    let shown = |p: &mut Pipeline, text: &str| {
        p.set_filter(
            Filter {
                text: Some(text.into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
        let mut ids: Vec<String> = ["lead", "won"]
            .iter()
            .flat_map(|s| p.column_ids(s))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(shown(&mut p, "GLOBEX"), ["a", "b"]);
    assert_eq!(shown(&mut p, "scorpio"), ["c"]);
    // The name follows the deal: an update that brings another company.
    p.upsert(Deal {
        company: company("co2", "Initech"),
        ..deal("a", "lead", Some(10.0))
    })
    .unwrap();
    assert_eq!(shown(&mut p, "globex"), ["b"]);
    assert_eq!(shown(&mut p, "initech"), ["a"]);
    // A deal removed takes its names with it (rows are swapped on removal).
    assert!(p.remove("b"));
    assert_eq!(shown(&mut p, "scorpio"), ["c"]);
    assert_eq!(shown(&mut p, "initech"), ["a"]);
}
