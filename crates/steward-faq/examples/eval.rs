//! The evaluation without the server: `cargo run -p steward-faq --example eval -- KB.json QUESTIONS.tsv`
//! (the same report as `steward faq eval`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, kb, questions] = args.as_slice() else {
        return Err("usage: eval KB.json QUESTIONS.tsv".into());
    };
    let entries = steward_faq::entries_from_json(&std::fs::read_to_string(kb)?)?;
    let questions = steward_faq::eval::parse_questions(&std::fs::read_to_string(questions)?)?;
    let index = steward_faq::Index::build(&entries, &steward_faq::Synonyms::builtin(), steward_faq::Config::default());
    print!("{}", steward_faq::eval::evaluate(&index, &questions).to_text());
    Ok(())
}
