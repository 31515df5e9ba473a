//! Translations (Fluent, shipped in the binary): Russian and English.

use std::borrow::Cow;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde_json::{Value, json};
use steward_core::validate::Locale;

use crate::error::ApiError;

const EN: &str = include_str!("../locales/en.ftl");
const RU: &str = include_str!("../locales/ru.ftl");

pub struct I18n {
    en: FluentBundle<FluentResource>,
    ru: FluentBundle<FluentResource>,
}

fn bundle(lang: &str, source: &'static str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    b.set_use_isolating(false);
    let res = match FluentResource::try_new(source.to_string()) {
        Ok(r) => r,
        Err((r, errors)) => {
            tracing::error!(lang, ?errors, "translation file has errors; valid messages still load");
            r
        }
    };
    if let Err(errors) = b.add_resource(res) {
        tracing::error!(lang, ?errors, "duplicate translation keys");
    }
    b
}

pub fn get() -> &'static I18n {
    static I: OnceLock<I18n> = OnceLock::new();
    I.get_or_init(|| I18n { en: bundle("en", EN), ru: bundle("ru", RU) })
}

impl I18n {
    fn bundle(&self, locale: Locale) -> &FluentBundle<FluentResource> {
        match locale {
            Locale::Ru => &self.ru,
            Locale::En => &self.en,
        }
    }

    /// The message for `key`, falling back to English, then to the key itself.
    pub fn t(&self, locale: Locale, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        for b in [self.bundle(locale), &self.en] {
            if let Some(pattern) = b.get_message(key).and_then(|m| m.value()) {
                let mut errors = vec![];
                let s: Cow<'_, str> = b.format_pattern(pattern, args, &mut errors);
                return s.into_owned();
            }
        }
        key.to_string()
    }

    pub fn has(&self, key: &str) -> bool {
        self.en.has_message(key)
    }

    /// Every message whose key starts with `prefix`, for the browser script.
    pub fn with_prefix(&self, locale: Locale, prefix: &str) -> serde_json::Map<String, Value> {
        let mut out = serde_json::Map::new();
        for source in [EN] {
            for line in source.lines() {
                let Some((key, _)) = line.split_once('=') else {
                    continue;
                };
                let key = key.trim();
                if key.starts_with(prefix) && !line.starts_with(' ') && !out.contains_key(key) {
                    out.insert(key.to_string(), Value::String(self.t(locale, key, None)));
                }
            }
        }
        out
    }
}

pub fn args<'a>(pairs: &[(&'a str, FluentValue<'a>)]) -> FluentArgs<'a> {
    let mut a = FluentArgs::new();
    for (k, v) in pairs {
        a.set(*k, v.clone());
    }
    a
}

/// `{"error":{"code","message","field"?}}` in the given language.
pub fn error_body(err: &ApiError, locale: Locale) -> Value {
    let i = get();
    let message =
        if let Some(field) = err.field.as_deref().filter(|_| i.has(&format!("rule-{}", err.code.replace('_', "-")))) {
            let key = format!("field-{field}");
            let field_name = if i.has(&key) { i.t(locale, &key, None) } else { field.to_string() };
            let mut a = FluentArgs::new();
            a.set("field", field_name);
            a.set("limit", err.limit.unwrap_or(0));
            i.t(locale, &format!("rule-{}", err.code.replace('_', "-")), Some(&a))
        } else {
            let mut a = FluentArgs::new();
            if let Some(field) = err.field.as_deref() {
                let key = format!("field-{field}");
                a.set("field", if i.has(&key) { i.t(locale, &key, None) } else { field.to_string() });
            }
            a.set("seconds", err.limit.unwrap_or(0));
            i.t(locale, &format!("error-{}", err.code.replace('_', "-")), Some(&a))
        };
    let mut e = json!({ "code": err.code, "message": message });
    if let Some(field) = &err.field {
        e["field"] = json!(field);
    }
    json!({ "error": e })
}
