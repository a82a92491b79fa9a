//! Anomalous-sequence scores compared with msticpy 3.0.2 on the same sessions.
//!
//! `fixtures/anomseq_msticpy.json` holds seeded synthetic sessions (commands, commands+params,
//! commands+params+values) and msticpy 3.0.2's scores for them; regenerate with
//! `/tmp/msticpy-venv/bin/python crates/analysis/tests/fixtures/anomseq_msticpy.py`
//! (it calls `msticpy.analysis.anomalous_sequence.anomalous.score_sessions` for windows 1–4 and
//! `Model.compute_likelihoods_of_sessions` / `compute_rarest_windows` for the other options).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use huntbook_analysis::anomseq::{
    Cmd, Model, SessionKind, SessionizeOptions, WindowOptions, score_sessions, sessionize,
    sessions_to_series, synthetic_sessions,
};
use polars::prelude::*;
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/anomseq_msticpy.json");

fn kind_of(name: &str) -> SessionKind {
    match name {
        "cmds" => SessionKind::Commands,
        "params" => SessionKind::CommandsParams,
        _ => SessionKind::CommandsParamsValues,
    }
}

fn cmd_from(v: &Value, kind: SessionKind) -> Cmd {
    if kind == SessionKind::Commands {
        return Cmd::new(v.as_str().expect("name"));
    }
    let mut cmd = Cmd::new(v["name"].as_str().expect("name"));
    for p in v["params"].as_array().expect("params") {
        cmd = match kind {
            SessionKind::CommandsParams => cmd.with_param(p.as_str().expect("param")),
            _ => {
                let value = p[1].as_str().expect("value");
                let name = p[0].as_str().expect("param");
                if value.is_empty() {
                    cmd.with_param(name)
                } else {
                    cmd.with_value(name, value)
                }
            }
        };
    }
    cmd
}

fn sessions_of(case: &Value, kind: SessionKind) -> Vec<Vec<Cmd>> {
    let sessions = case["sessions"].as_array().expect("sessions");
    sessions
        .iter()
        .map(|s| {
            s.as_array()
                .expect("session")
                .iter()
                .map(|c| cmd_from(c, kind))
                .collect()
        })
        .collect()
}

fn floats(v: &Value) -> Vec<Option<f64>> {
    v.as_array()
        .expect("array")
        .iter()
        .map(Value::as_f64)
        .collect()
}

fn assert_close(got: Option<f64>, want: Option<f64>, what: &str) {
    match (got, want) {
        (Some(g), Some(w)) => {
            let rel = ((g - w) / w).abs();
            assert!(
                rel <= 1e-9,
                "{what}: got {g}, msticpy {w} (relative {rel:e})"
            );
        }
        (Some(g), None) => assert!(g.is_nan(), "{what}: got {g}, msticpy NaN"),
        (g, w) => assert_eq!(g, w, "{what}"),
    }
}

fn cases() -> Vec<Value> {
    let fixture: Value = serde_json::from_str(FIXTURE).expect("fixture");
    assert_eq!(fixture["msticpy_version"], "3.0.2");
    fixture["cases"].as_array().expect("cases").clone()
}

fn window_names(window: &Series, kind: SessionKind) -> Vec<String> {
    let names = match kind {
        SessionKind::Commands => window.clone(),
        _ => window
            .struct_()
            .expect("struct")
            .field_by_name("name")
            .expect("name"),
    };
    names
        .str()
        .expect("str")
        .iter()
        .map(|n| n.unwrap_or_default().to_string())
        .collect()
}

#[test]
fn score_sessions_matches_msticpy() {
    for case in cases() {
        let kind = kind_of(case["kind"].as_str().expect("kind"));
        let sessions = sessions_of(&case, kind);
        let series = sessions_to_series("session", &sessions, kind).expect("series");
        let df = DataFrame::new(sessions.len(), vec![series.into_column()]).expect("df");
        for w in 1..=4_usize {
            let expected = &case["scores"][format!("w{w}")];
            let scored = score_sessions(&df, "session", w).expect("scored");
            let liks = scored
                .column(&format!("rarest_window{w}_likelihood"))
                .expect("lik");
            let liks: Vec<Option<f64>> = liks.f64().expect("f64").iter().collect();
            let want = floats(&expected["likelihood"]);
            let windows = scored.column(&format!("rarest_window{w}")).expect("window");
            let windows = windows.list().expect("list");
            for i in 0..windows.len() {
                assert_close(liks[i], want[i], &format!("{kind} w{w} session {i}"));
                let names = window_names(&windows.get_as_series(i).expect("window"), kind);
                let want_names: Vec<String> = expected["window_names"][i]
                    .as_array()
                    .expect("names")
                    .iter()
                    .map(|n| n.as_str().expect("name").to_string())
                    .collect();
                assert_eq!(names, want_names, "{kind} w{w} session {i} window");
            }
        }
    }
}

#[test]
fn model_likelihoods_match_msticpy() {
    for case in cases() {
        let kind = kind_of(case["kind"].as_str().expect("kind"));
        let sessions = sessions_of(&case, kind);
        let model = Model::train(&sessions, kind);
        let tokens = floats(&case["session_likelihood_tokens"]);
        let geo = floats(&case["session_geomean_tokens"]);
        let plain = floats(&case["session_likelihood_no_tokens"]);
        let w3_geo = floats(&case["w3_no_tokens_geo"]);
        let w2_geo = floats(&case["w2_tokens_geo"]);
        let o3 = WindowOptions::default()
            .with_start_end_tokens(false)
            .with_geo_mean(true);
        let o2 = WindowOptions::default()
            .with_window_length(2)
            .with_geo_mean(true);
        for (i, s) in sessions.iter().enumerate() {
            let what = format!("{kind} session {i}");
            assert_close(Some(model.session_likelihood(s, true)), tokens[i], &what);
            assert_close(
                Some(model.session_geomean_likelihood(s, true)),
                geo[i],
                &what,
            );
            assert_close(Some(model.session_likelihood(s, false)), plain[i], &what);
            let r3 = model
                .rarest_window(s, &o3)
                .map_or(f64::NAN, |r| r.likelihood);
            assert_close(Some(r3), w3_geo[i], &format!("{what} w3 geo"));
            let r2 = model
                .rarest_window(s, &o2)
                .map_or(f64::NAN, |r| r.likelihood);
            assert_close(Some(r2), w2_geo[i], &format!("{what} w2 geo"));
        }
        if let Some(params) = case.get("modellable_params") {
            let want: Vec<&str> = params
                .as_array()
                .expect("params")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(model.modellable_params(), want);
        }
    }
}

#[test]
fn unseen_commands_fall_back_to_unknown() {
    let sessions = vec![vec![Cmd::new("a"), Cmd::new("b")]; 5];
    let model = Model::train(&sessions, SessionKind::Commands);
    assert_eq!(model.prior_prob("zzz"), model.prior_prob("##UNK##"));
    assert_eq!(
        model.trans_prob("a", "zzz"),
        model.trans_prob("a", "##UNK##")
    );
    assert!(model.trans_prob("a", "b") > model.trans_prob("b", "a"));
    let known = model.session_likelihood(&sessions[0], true);
    let odd = model.session_likelihood(&[Cmd::new("b"), Cmd::new("zzz")], true);
    assert!(odd < known);
}

#[test]
fn short_and_null_sessions_do_not_fail() {
    let s = Series::new(
        "session".into(),
        [
            Some(Series::new("".into(), ["a", "b", "c"])),
            Some(Series::new("".into(), ["a"])),
            None,
        ],
    );
    let df = DataFrame::new(3, vec![s.into_column()]).expect("df");
    let scored = score_sessions(&df, "session", 3).expect("scored");
    let lik = scored
        .column("rarest_window3_likelihood")
        .expect("lik")
        .f64()
        .expect("f64")
        .clone();
    assert!(lik.get(0).is_some_and(|v| v > 0.0));
    assert!(
        lik.get(1).is_some_and(f64::is_nan),
        "too short: NaN like msticpy"
    );
    assert_eq!(lik.get(2), None, "null session: null score");
    let win = scored
        .column("rarest_window3")
        .expect("win")
        .list()
        .expect("list")
        .clone();
    assert_eq!(win.get_as_series(1).map(|s| s.len()), Some(0));
}

#[test]
fn bad_inputs_are_clear_errors() {
    let df = df!("session" => ["a", "b"]).expect("df");
    let err = score_sessions(&df, "session", 2).expect_err("not a list");
    assert!(err.to_string().contains("List(String)"), "{err}");
    let err = score_sessions(&df, "nope", 2).expect_err("missing");
    assert!(err.to_string().contains("nope"), "{err}");
    let err = score_sessions(&df, "session", 0).expect_err("zero window");
    assert!(err.to_string().contains("at least 1"), "{err}");
}

#[test]
fn sessionize_splits_on_user_gap_and_duration() {
    let df = df!(
        "user" => ["u1", "u1", "u1", "u1", "u2", "u1"],
        "time" => [
            "2024-01-01 10:00:00",
            "2024-01-01 10:01:00",
            "2024-01-01 10:05:00",
            "2024-01-01 10:06:00",
            "2024-01-01 10:06:30",
            "garbage",
        ],
        "cmd" => ["ls", "cd", "cat", "rm", "ps", "x"],
    )
    .expect("df");
    let options = SessionizeOptions::new(&["user"], "time", "cmd")
        .with_max_event_gap(Duration::minutes(2))
        .with_max_session_duration(Duration::minutes(20));
    let out = sessionize(&df, &options).expect("sessionize");
    let s = &out.sessions;
    assert_eq!(s.height(), 3);
    let counts: Vec<u32> = s
        .column("number_events")
        .expect("n")
        .u32()
        .expect("u32")
        .into_no_null_iter()
        .collect();
    assert_eq!(counts, vec![2, 2, 1]);
    let lists = s
        .column("cmd_list")
        .expect("list")
        .list()
        .expect("list")
        .clone();
    let first = lists.get_as_series(0).expect("first");
    assert_eq!(first.str().expect("str").get(1), Some("cd"));
    let dur = s
        .column("duration")
        .expect("duration")
        .duration()
        .expect("dur")
        .clone();
    assert_eq!(dur.physical().get(0), Some(60_000_000_000));
    assert!(s.column("time_min").is_ok() && s.column("time_max").is_ok());
    assert_eq!(out.errors.height(), 1, "the unparseable time is reported");

    let short = options
        .clone()
        .with_max_session_duration(Duration::seconds(30));
    let out = sessionize(&df, &short).expect("sessionize");
    assert_eq!(
        out.sessions.height(),
        5,
        "sessions longer than 30 s are split"
    );
}

#[test]
fn synthetic_sessions_score() {
    for kind in [
        SessionKind::Commands,
        SessionKind::CommandsParams,
        SessionKind::CommandsParamsValues,
    ] {
        let df = synthetic_sessions(500, kind, 11).expect("synthetic");
        let scored = score_sessions(&df, "session", 3).expect("scored");
        let lik = scored
            .column("rarest_window3_likelihood")
            .expect("lik")
            .f64()
            .expect("f64")
            .clone();
        assert_eq!(lik.len(), 500);
        assert!(
            lik.iter()
                .flatten()
                .filter(|v| !v.is_nan())
                .all(|v| v > 0.0 && v <= 1.0)
        );
    }
}
