//! The evaluation without the server: `cargo run -p steward-faq --example eval -- KB.json QUESTIONS.tsv`
//! prints the same report as `steward faq eval`; with `--dump` after the files, every line's two
//! best topics and scores (for choosing thresholds).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (kb, questions, dump) = match args.as_slice() {
        [_, kb, questions] => (kb, questions, false),
        [_, kb, questions, flag] if flag == "--dump" => (kb, questions, true),
        _ => return Err("usage: eval KB.json QUESTIONS.tsv [--dump]".into()),
    };
    let entries = steward_faq::entries_from_json(&std::fs::read_to_string(kb)?)?;
    let questions = steward_faq::eval::parse_questions(&std::fs::read_to_string(questions)?)?;
    let index = steward_faq::Index::build(&entries, &steward_faq::Synonyms::builtin(), steward_faq::Config::default());
    if dump {
        for q in &questions {
            let ranked = index.rank(&q.text, 2);
            let top = ranked.first().map(|s| (s.entry.id.as_str(), s.score)).unwrap_or(("-", 0.0));
            let second = ranked.get(1).map_or(0.0, |s| s.score);
            let expected = q.expected.as_deref().unwrap_or("-");
            let verdict = if expected == top.0 { "ok" } else { "no" };
            let asked = steward_faq::eval::describe(&index.ask(&q.text, Some(q.lang)));
            println!("{verdict}\t{:.3}\t{:.3}\t{expected}\t{}\t{asked}\t{}", top.1, second, top.0, q.text);
        }
        return Ok(());
    }
    print!("{}", steward_faq::eval::evaluate(&index, &questions).to_text());
    Ok(())
}
