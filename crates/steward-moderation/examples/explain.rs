//! Prints what the default rules make of each argument, or of each line of standard input:
//! `cargo run -p steward-moderation --example explain -- TEXT…`

use std::io::BufRead;

fn main() {
    let engine =
        steward_moderation::Engine::compile(&steward_moderation::presets::default_rules()).expect("presets compile");
    let mut scratch = steward_moderation::Scratch::new();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        // Lines from stdin: print only those that fire.
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            let v = engine.check_text(&mut scratch, &line);
            for h in &v.hits {
                println!("{:?} <- {}", line, h.reason.detail);
            }
        }
        return;
    }
    for text in args {
        let e = engine.explain(&mut scratch, &text);
        println!(
            "{text:?}\n  cleaned {:?}\n  ru      {:?}\n  en      {:?}\n  layout  {:?}",
            e.cleaned, e.ru, e.en, e.layout
        );
        for h in &e.hits {
            println!("  hit {} {:?}: {}", h.rule_id, h.reason.code, h.reason.detail);
        }
    }
}
