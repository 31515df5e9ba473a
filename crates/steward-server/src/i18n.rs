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
    if let Some(detail) = &err.detail {
        e["detail"] = (**detail).clone();
    }
    json!({ "error": e })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(src: &str) -> std::collections::BTreeSet<&str> {
        src.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
            .collect()
    }

    #[test]
    fn no_message_is_defined_twice() {
        for src in [EN, RU] {
            let mut seen = std::collections::BTreeSet::new();
            for l in src.lines().filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase())) {
                if let Some((k, _)) = l.split_once('=') {
                    assert!(seen.insert(k.trim()), "{} is defined twice", k.trim());
                }
            }
        }
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let (en, ru) = (keys(EN), keys(RU));
        let missing_ru: Vec<_> = en.difference(&ru).collect();
        let missing_en: Vec<_> = ru.difference(&en).collect();
        assert!(missing_ru.is_empty() && missing_en.is_empty(), "ru lacks {missing_ru:?}; en lacks {missing_en:?}");
    }

    #[test]
    fn every_permission_and_role_has_a_label() {
        let en = keys(EN);
        for p in steward_core::Permission::ALL {
            let key = format!("perm-{}", p.as_str().replace(['.', '_'], "-"));
            assert!(en.contains(key.as_str()), "{key}");
        }
        for r in steward_core::SystemRole::ALL {
            assert!(en.contains(format!("role-{}", r.as_str()).as_str()));
        }
    }

    #[test]
    fn errors_render_with_plurals_and_fields() {
        let e = ApiError { limit: Some(3), ..ApiError::new(axum::http::StatusCode::TOO_MANY_REQUESTS, "slow_mode") };
        let ru = error_body(&e, Locale::Ru)["error"]["message"].as_str().unwrap().to_string();
        assert!(ru.contains("3 секунды"), "{ru}");
        let e: ApiError = steward_core::FieldError::with_limit("name", steward_core::Rule::TooLong, 80).into();
        let en = error_body(&e, Locale::En)["error"]["message"].as_str().unwrap().to_string();
        assert!(en.contains("80"), "{en}");
        for code in [
            "not_found",
            "forbidden",
            "unauthorized",
            "invalid_credentials",
            "csrf_failed",
            "cannot_post",
            "last_owner",
        ] {
            let key = format!("error-{}", code.replace('_', "-"));
            assert!(get().has(&key), "no message for {code}");
        }
    }
}
