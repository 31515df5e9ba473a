//! `steward moderation check` on the moderation crate's labelled sets: the real binary, its
//! real output, held to floors a little under the figures measured when the sets were written.

use std::process::Command;

struct Figures {
    precision: f64,
    recall: f64,
    /// Per language: (lang, precision, recall).
    langs: Vec<(String, f64, f64)>,
}

fn check(set: &str) -> Figures {
    let path = format!("{}/../steward-moderation/eval/{set}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["moderation", "check", &path])
        .env("STEWARD_LOG", "error")
        .output()
        .expect("run steward");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "steward moderation check {set} failed: {}", String::from_utf8_lossy(&out.stderr));
    print!("{stdout}");
    let last = stdout.lines().last().expect("output");
    let f: Vec<&str> = last.split(' ').collect();
    assert_eq!((f.len(), f[0], f[2]), (4, "precision", "recall"), "last line: {last:?}");
    let langs = stdout
        .lines()
        .filter_map(|l| {
            let (lang, rest) = l.split_once(": precision ")?;
            let mut it = rest.split(' ');
            let p = it.next()?.parse().ok()?;
            let r = it.nth(1)?.parse().ok()?;
            Some((lang.to_string(), p, r))
        })
        .collect();
    Figures { precision: f[1].parse().expect("precision"), recall: f[3].parse().expect("recall"), langs }
}

fn lang(f: &Figures, lang: &str) -> (f64, f64) {
    let (_, p, r) = f.langs.iter().find(|(l, _, _)| l == lang).expect("language line");
    (*p, *r)
}

#[test]
fn dev_set() {
    // Measured: 1.000 / 1.000 overall, ru 1.000 / 1.000, en 1.000 / 1.000.
    let f = check("dev.tsv");
    assert!(f.precision >= 0.97 && f.recall >= 0.97, "dev: precision {} recall {}", f.precision, f.recall);
    let (p, r) = lang(&f, "ru");
    assert!(p >= 0.97 && r >= 0.97, "dev ru: precision {p} recall {r}");
}

#[test]
fn steward_set() {
    // Measured: 0.988 / 0.996 overall, ru 1.000 / 0.994, en 0.966 / 1.000.
    let f = check("steward.tsv");
    assert!(f.precision >= 0.97 && f.recall >= 0.97, "steward: precision {} recall {}", f.precision, f.recall);
    let (p, r) = lang(&f, "ru");
    assert!(p >= 0.98 && r >= 0.97, "steward ru: precision {p} recall {r}");
    let (p, r) = lang(&f, "en");
    assert!(p >= 0.93 && r >= 0.95, "steward en: precision {p} recall {r}");
}

#[test]
fn a_missing_file_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["moderation", "check", "/nonexistent/set.tsv"])
        .env("STEWARD_LOG", "error")
        .output()
        .expect("run steward");
    assert!(!out.status.success());
}
