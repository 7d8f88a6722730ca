//! Label count, length and trimming.

use caracal_authority::{MAX_LABEL_CHARS, MAX_LABELS, SpawnRequest};

use crate::Fixture;

fn labels(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("label-{i}")).collect()
}

#[test]
fn thirty_two_labels_allowed_thirty_three_refused() {
    let f = Fixture::new();
    let view = f.spawn(
        &f.root,
        SpawnRequest::task().with_labels(labels(MAX_LABELS)),
    );
    assert_eq!(view.labels.len(), 32);
    let err = f
        .engine
        .spawn(
            &f.root,
            SpawnRequest::task().with_labels(labels(MAX_LABELS + 1)),
        )
        .unwrap_err();
    assert_eq!(err.kind(), "invalid");
}

#[test]
fn sixty_four_chars_allowed_sixty_five_refused() {
    let f = Fixture::new();
    let ok = "x".repeat(MAX_LABEL_CHARS);
    let view = f.spawn(&f.root, SpawnRequest::task().with_labels([ok.clone()]));
    assert_eq!(view.labels, [ok]);

    let long = "x".repeat(MAX_LABEL_CHARS + 1);
    let err = f
        .engine
        .spawn(
            &f.root,
            SpawnRequest::task().with_labels(["fine".to_owned(), long]),
        )
        .unwrap_err();
    assert_eq!(err.kind(), "invalid");
    assert!(err.message().contains("label 1"), "{err}");
}

#[test]
fn length_is_counted_in_characters_after_trimming() {
    let f = Fixture::new();
    // 64 two-byte characters, padded with whitespace.
    let label = format!("  {}\t", "é".repeat(MAX_LABEL_CHARS));
    let view = f.spawn(&f.root, SpawnRequest::task().with_labels([label]));
    assert_eq!(view.labels[0].chars().count(), MAX_LABEL_CHARS);
}

#[test]
fn whitespace_only_and_empty_labels_refused() {
    let f = Fixture::new();
    for bad in ["   ", "", "\t\n"] {
        let err = f
            .engine
            .spawn(&f.root, SpawnRequest::task().with_labels(["ok", bad]))
            .unwrap_err();
        assert_eq!(err.kind(), "invalid");
        assert!(err.message().contains("label 1"), "{err}");
    }
}

#[test]
fn labels_are_trimmed() {
    let f = Fixture::new();
    let view = f.spawn(
        &f.root,
        SpawnRequest::service().with_labels(["  planner ", "\tworker\n", "plain"]),
    );
    assert_eq!(view.labels, ["planner", "worker", "plain"]);
    assert_eq!(f.engine.view(&view.id).unwrap().labels, view.labels);
}
